import type { AppserverState } from '../appserver-state';
import type { CampaignRecords, TagRecords } from './campaigns';
import type {
  Appserver,
  AuditEvent,
  Deployment,
  Host,
  Instance,
  NewAppserver,
  NewDeployment,
  NewHost,
  NewInstance,
} from '../model';

/** Persistence as core needs it; the adapter is src/infra/db/sandbox-store.ts. */
export interface Store extends JobQueue, TagRecords, CampaignRecords {
  /** Runs `work` in one transaction; the store handed in joins it. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
  /**
   * Runs reads that must agree with each other (a sandbox, its appservers and deployments) in one
   * snapshot: a read-only transaction that sees one committed state, so no write lands between two of
   * them. Inside a transaction it joins that one.
   */
  snapshot<T>(work: (store: Store) => Promise<T>): Promise<T>;
  /** True when every call runs on one transaction's connection, one query at a time (see `readTogether`). */
  readonly inTransaction: boolean;
  /** Serializes host placement across processes for the rest of the transaction. */
  lockPlacement(): Promise<void>;
  /** Serializes quota decisions across processes for the rest of the transaction (two waiting PRs never take one free slot). */
  lockQuotas(): Promise<void>;
  /**
   * Takes a transaction-scoped lock on the instance row (serializes operations across replicas) and returns the
   * row as it is under the lock (null: gone), so a caller needs no read of its own after it.
   */
  lockInstance(id: number): Promise<Instance | null>;

  getInstance(id: number): Promise<Instance | null>;
  findInstanceBySlug(slug: string): Promise<Instance | null>;
  findInstanceByPr(repo: string, number: number): Promise<Instance | null>;
  /** Instances whose main or extra domain is `domain`. */
  findInstanceByDomain(domain: string): Promise<Instance | null>;
  listInstances(options?: { includeArchived?: boolean; includeDeleted?: boolean }): Promise<Instance[]>;
  /** Sandboxes holding a quota slot: neither archived nor deleted, and deployed at least once. */
  listLiveSandboxes(): Promise<Instance[]>;
  /** Records when each sandbox last got a request (one statement for the whole batch; never moves a time back). */
  recordRequests(requests: readonly { instanceId: number; at: Date }[]): Promise<void>;
  insertInstance(values: NewInstance): Promise<Instance>;
  updateInstance(id: number, patch: Partial<NewInstance>): Promise<Instance>;

  insertDeployment(values: NewDeployment): Promise<Deployment>;
  /**
   * A requested deployment in one statement: takes the instance's row lock while recording its last
   * activity, inserts the deployment, enqueues its `deploy_instance` job and records the audit event
   * (its detail gets `jobId` and `deploymentId`). Atomic on its own; joins the store's transaction.
   */
  recordDeploymentRequest(request: DeploymentRecords): Promise<{ deployment: Deployment; jobId: string }>;
  getDeployment(id: number): Promise<Deployment | null>;
  updateDeployment(id: number, patch: Partial<NewDeployment>): Promise<Deployment>;
  listDeployments(instanceId: number): Promise<Deployment[]>;

  /** Inserts an appserver numbered after the instance's last one (AppServer 1, 2, …). */
  insertAppserver(values: NewAppserver): Promise<Appserver>;
  getAppserver(id: number): Promise<Appserver | null>;
  findAppserver(instanceId: number, number: number): Promise<Appserver | null>;
  listAppservers(instanceId: number): Promise<Appserver[]>;
  listAppserversInStates(states: readonly AppserverState[]): Promise<Appserver[]>;
  /** Changes state only when it still is `from` (checked against the state table); null when it was not. */
  transitionAppserver(
    id: number,
    from: AppserverState,
    to: AppserverState,
    patch?: Partial<Appserver>,
  ): Promise<Appserver | null>;
  updateAppserver(id: number, patch: Partial<Appserver>): Promise<Appserver>;

  listHosts(): Promise<Host[]>;
  getHost(id: number): Promise<Host | null>;
  upsertHost(values: NewHost): Promise<Host>;
  updateHost(id: number, patch: Partial<NewHost>): Promise<Host>;

  /**
   * Stores one log chunk at byte `offset` and advances the appserver's
   * log offset to `nextOffset`, only if the offset still is `offset`
   * (exactly once: a retried follow never duplicates or loses bytes).
   * With `maxBytes`, the oldest whole chunks are deleted so that the last
   * `maxBytes` (plus at most the chunk straddling that line) remain, and the
   * appserver's `logDroppedBytes` says how many bytes of the log's start are gone.
   */
  appendLog(
    appserverId: number,
    offset: number,
    content: string,
    nextOffset: number,
    options?: { maxBytes?: number },
  ): Promise<boolean>;
  /**
   * Drops the whole stored log and moves the appserver's log offset from
   * `offset` to `nextOffset`, only if it still is `offset`: everything before
   * `nextOffset` counts as dropped (`logDroppedBytes`). For a follower far
   * behind a log larger than its cap, which then copies only the newest part.
   */
  skipLog(appserverId: number, offset: number, nextOffset: number): Promise<boolean>;
  /** Deletes the oldest whole chunks as `appendLog` does with `maxBytes`, for pieces stored without it. */
  trimLog(appserverId: number, maxBytes: number): Promise<void>;
  /** Chunks after `afterOffset` up to `limitBytes`, or the chunks covering the last `tailBytes`. */
  readLog(
    appserverId: number,
    options?: { afterOffset?: number; limitBytes?: number; tailBytes?: number },
  ): Promise<{ offset: number; content: string }[]>;

  recordAudit(event: AuditEvent): Promise<void>;
  /** Adds one to a cleanup counter (`/metrics`: sbx_cleanup_events_total), in the caller's transaction. */
  countCleanup(event: CleanupEvent): Promise<void>;
}

/** Cleanup events counted in `/metrics` (sbx_cleanup_events_total{event}). */
export const cleanupEvents = ['expired', 'warned', 'extended', 'slept', 'woken'] as const;
export type CleanupEvent = (typeof cleanupEvents)[number];

/** What `recordDeploymentRequest` writes. */
export interface DeploymentRecords {
  lastActivityAt: Date;
  deployment: Pick<
    Deployment,
    'instanceId' | 'requestedBy' | 'surface' | 'commitSha' | 'ref' | 'attempts' | 'activateOnSuccess'
  >;
  /** The deploy job's options (its payload is the new deployment's id). */
  job: EnqueueOptions;
  audit: AuditEvent;
}

/** Options for a job enqueued through the store (so it joins the store's transaction). */
export interface EnqueueOptions {
  /** Serializes with every other job of this instance (queue `instance:<id>`). */
  instanceId?: number;
  /** Explicit queue name (e.g. `appserver:<id>` for log following). */
  queueName?: string;
  /** Coalesces bursts: a pending job with this key is replaced. */
  jobKey?: string;
  /** `preserve_run_at`: a pending job with the key keeps its run time (adding it again is a no-op). Default `replace`. */
  jobKeyMode?: 'replace' | 'preserve_run_at';
  runAt?: Date;
  maxAttempts?: number;
  /** Graphile priority: lower runs first. Campaign deploys use `campaignPriority` so interactive work goes ahead. */
  priority?: number;
  /**
   * An audit event names this job (`detail.jobId`): its final outcome completes that event. Only such jobs are
   * flagged `audited`, so the others' completion writes nothing to the audit log.
   */
  audited?: boolean;
}

/** Enqueuing jobs, part of the store so a row change and its job commit together. */
export interface JobQueue {
  /** Returns the job's id, so an audit event can name the job whose outcome will complete it. */
  enqueue<T extends keyof GraphileWorker.Tasks>(
    task: T,
    payload: GraphileWorker.Tasks[T],
    options?: EnqueueOptions,
  ): Promise<{ jobId: string }>;
}
