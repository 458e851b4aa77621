/** The options a campaign was started with, frozen in its row. */
export interface CampaignOptions {
  /** Every key must match (field names, `repository`, `kind`, `tag`); a list means any of its values. */
  filter: Record<string, unknown>;
  /** Any matching key excludes the instance. */
  exclude: Record<string, unknown>;
  /** Field values set on each instance just before its redeploy. */
  update: Record<string, string>;
  /** SQL run on each instance's persistent MySQL databases just before its redeploy. */
  preUpgrade: string[];
  batchSize: number;
  batchFrequencyMs: number;
  numAttempts: number;
  activate: boolean;
}

export type CampaignState = 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';
export type CampaignItemState = 'pending' | 'ongoing' | 'succeeded' | 'failed' | 'cancelled';

export interface Campaign {
  id: number;
  tag: string;
  state: CampaignState;
  options: CampaignOptions;
  requestedBy: string;
  surface: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface CampaignItem {
  id: number;
  campaignId: number;
  instanceId: number;
  slug: string;
  position: number;
  state: CampaignItemState;
  batch: number | null;
  deploymentId: number | null;
  snapshotId: number | null;
  attempts: number;
  failureReason: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** Tags on instances (`instance_tags`). */
export interface TagRecords {
  listTags(instanceId: number): Promise<string[]>;
  /** Tags of many instances at once, by instance id (instances without tags are absent). */
  tagsByInstance(instanceIds?: readonly number[]): Promise<Map<number, string[]>>;
  addTags(instanceId: number, tags: readonly string[]): Promise<void>;
  removeTags(instanceId: number, tags: readonly string[]): Promise<void>;
  /** Ids of instances with at least one appserver that ever reached `running`. */
  instancesEverRunning(): Promise<Set<number>>;
}

/** Campaign rows; each method joins the store's transaction. */
export interface CampaignRecords {
  insertCampaign(
    values: Pick<Campaign, 'tag' | 'options' | 'requestedBy' | 'surface'>,
    items: { instanceId: number; slug: string }[],
  ): Promise<Campaign>;
  getCampaign(id: number): Promise<Campaign | null>;
  /** Newest first. */
  listCampaigns(options?: { instanceId?: number }): Promise<Campaign[]>;
  updateCampaign(id: number, patch: Partial<Pick<Campaign, 'state' | 'finishedAt'>>): Promise<Campaign>;
  /** Changes the state only when it still is one of `from`; null when it was not. */
  transitionCampaign(
    id: number,
    from: readonly CampaignState[],
    to: CampaignState,
    finishedAt?: Date | null,
  ): Promise<Campaign | null>;
  listCampaignItems(campaignId: number): Promise<CampaignItem[]>;
  /** Changes an item only when its state still is `from` (exactly once across replicas); null when it was not. */
  updateCampaignItem(
    id: number,
    from: CampaignItemState,
    patch: Partial<Omit<CampaignItem, 'id' | 'campaignId' | 'instanceId'>>,
  ): Promise<CampaignItem | null>;
}
