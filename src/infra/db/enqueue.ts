import type pg from 'pg';

export type TaskName = keyof GraphileWorker.Tasks;

export interface EnqueueOptions {
  /** Serializes the job with every other job of this instance. */
  instanceId?: number;
  /** Explicit queue name (e.g. one per pull request); wins over `instanceId`. */
  queueName?: string;
  /** Coalesces bursts: a still-pending job with the same key is replaced (the latest wins). */
  jobKey?: string;
  jobKeyMode?: 'replace' | 'preserve_run_at' | 'unsafe_dedupe';
  runAt?: Date;
  maxAttempts?: number;
  /** Graphile priority: lower runs first; campaign (bulk) work uses a higher number than interactive work (0). */
  priority?: number;
  /**
   * An audit event names this job (`detail.jobId`): its final outcome completes that event. Only such jobs are
   * flagged `audited`, so the others' completion writes nothing to the audit log.
   */
  audited?: boolean;
}

/** A job to enqueue, as data (e.g. decided by a surface and written in a batch by infra). */
export interface QueuedJob<T extends TaskName = TaskName> {
  task: T;
  payload: GraphileWorker.Tasks[T];
  options: EnqueueOptions;
}

/** Anything that runs SQL: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** The Graphile job flag of a job an audit event names (see `EnqueueOptions.audited`). */
export const auditedFlag = 'audited';

/** Queue name that serializes all jobs of one instance. */
export const instanceQueue = (instanceId: number): string => `instance:${instanceId}`;

/** The arguments of `graphile_worker.add_job` for a job, in its parameter order; the one place options become them. */
export function addJobArguments<T extends TaskName>(
  task: T,
  payload: GraphileWorker.Tasks[T],
  options: EnqueueOptions = {},
) {
  return [
    task,
    JSON.stringify(payload),
    options.queueName ?? (options.instanceId === undefined ? null : instanceQueue(options.instanceId)),
    options.runAt?.toISOString() ?? null,
    options.maxAttempts ?? null,
    options.jobKey ?? null,
    options.jobKey ? (options.jobKeyMode ?? 'replace') : null,
    options.priority ?? null,
    options.audited ? [auditedFlag] : null,
  ] as const;
}

/**
 * Enqueues a typed job through `graphile_worker.add_job`, so it can join the
 * caller's transaction (a webhook is recorded and its job added atomically).
 */
export async function enqueue<T extends TaskName>(
  executor: Queryable,
  task: T,
  payload: GraphileWorker.Tasks[T],
  options: EnqueueOptions = {},
): Promise<{ id: string }> {
  const result = await executor.query<{ id: string }>(
    `select id::text from graphile_worker.add_job(
       identifier => $1, payload => $2::json, queue_name => $3, run_at => $4::timestamptz,
       max_attempts => $5::int, job_key => $6, job_key_mode => $7, priority => $8::int, flags => $9::text[])`,
    [...addJobArguments(task, payload, options)],
  );
  return { id: result.rows[0]!.id };
}
