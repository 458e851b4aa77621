import type { QuotaBreach } from '../quotas/quota-breach';

/** What the bot remembers about one pull request (mapped from its row in src/infra/db; see drizzle/schema.ts). */
export interface PullRequestRecord {
  id: number;
  repository: string;
  number: number;
  installationId: number | null;
  instanceId: number | null;
  deploymentId: number | null;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  headSha: string;
  author: string;
  fromFork: boolean;
  /** Why nothing deploys: a draft, a missing approval, a fork the host cannot isolate. */
  /** `slug`: its slug is reserved or another sandbox has it or serves one of its domains (no sandbox is created). */
  /** `quota`: a live-sandbox quota is full (`waitingQuota` says which, and who holds it). */
  waiting: 'draft' | 'approval' | 'isolation' | 'slug' | 'quota' | null;
  waitingQuota: QuotaBreach | null;
  closedAt: Date | null;
  /** The answer to the last command, shown in the sticky comment. */
  notice: { actor: string; command: string; text: string; at: string } | null;
  checkRunId: number | null;
  checkRunSha: string | null;
  checkRunDigest: string | null;
  commentId: number | null;
  commentDigest: string | null;
  deploymentSha: string | null;
  deploymentDigest: string | null;
  syncedAt: Date | null;
  /** When a sync first recorded `headSha` (later syncs of the same head keep it); null on records older than the field. */
  headSeenAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
export type PullRequestRecordPatch = Partial<Omit<PullRequestRecord, 'id' | 'repository' | 'number'>>;

/** A pull request as read from GitHub, reduced to what the bot decides on. */
export interface PullRequestSnapshot {
  /** `owner/name` of the base repository, as GitHub spells it. */
  repository: string;
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  headSha: string;
  /** The head branch name (for `{branch}` slug templates and the deploy ref). */
  headRef: string;
  /** Clone URL of the repository holding the head commit (the fork, for fork PRs). */
  headCloneUrl: string | null;
  baseCloneUrl: string;
  fromFork: boolean;
  author: string;
  body: string | null;
  htmlUrl: string;
  closedAt: Date | null;
  installationId: number;
}

export type PermissionLevel = 'read' | 'triage' | 'write' | 'maintain' | 'admin';

/** Who may trigger sandboxes in a repository (besides people who approved a PR). */
export interface TriggerPolicy {
  /** `org/team-slug` entries; members may trigger. */
  teams: readonly string[];
  /** At least this repository permission may trigger. */
  minPermission: PermissionLevel;
}

/** Reading GitHub, as the pull request logic needs it (the adapter is src/infra/github). */
export interface PullRequestSource {
  /** The pull request, or null when GitHub does not know it (deleted repository, wrong number). */
  getPullRequest(
    repository: string,
    number: number,
    installationId: number | null,
  ): Promise<PullRequestSnapshot | null>;
  /** Every open pull request of the repository; null when the App is not installed there. */
  listOpenPullRequests(repository: string): Promise<PullRequestSnapshot[] | null>;
  /** Whether `login` is in one of the teams or has at least the permission on the repository. */
  mayTrigger(repository: string, login: string, policy: TriggerPolicy, installationId: number | null): Promise<boolean>;
}

/** Persistence of pull request records (the adapter is src/infra/db/pull-request-records.ts). */
export interface PullRequestRecords {
  find(repository: string, number: number): Promise<PullRequestRecord | null>;
  findByInstance(instanceId: number): Promise<PullRequestRecord | null>;
  findByCheckRun(checkRunId: number): Promise<PullRequestRecord | null>;
  get(id: number): Promise<PullRequestRecord | null>;
  /** Inserts or updates the record of (repository, number). */
  save(
    repository: string,
    number: number,
    values: PullRequestRecordPatch & Pick<PullRequestRecord, 'state' | 'headSha' | 'author'>,
  ): Promise<PullRequestRecord>;
  update(id: number, patch: PullRequestRecordPatch): Promise<PullRequestRecord>;
  /** Open pull requests waiting for a slot of a full quota (synced again when a sandbox is archived or deleted). */
  listWaitingForQuota(): Promise<PullRequestRecord[]>;
}
