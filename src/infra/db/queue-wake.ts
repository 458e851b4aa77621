import type pg from 'pg';

export interface QueueWakeOptions {
  /** How many times to look for the finished job's completion to be saved. */
  attempts?: number;
  intervalMs?: number;
}

export type QueueWake = 'woke' | 'nothing due' | 'not released';

/**
 * Graphile Worker (0.17) looks for its next job before the finished job's
 * completion, which unlocks the job's queue, is saved: a job waiting in the
 * same queue (a follower's next turn, the sandbox's next deploy) finds the
 * queue locked and sleeps until the next poll, up to `pollInterval` (2 s)
 * later. Called once the job finished: waits (bounded) until its queue is no
 * longer locked by the finishing worker, then, when a job of that queue is
 * due, sends the notification `add_job` sends, which wakes idle workers of
 * every process. A queue another worker took meanwhile needs nothing.
 */
export async function wakeQueueAfter(
  pool: Pick<pg.Pool, 'query'>,
  finished: { jobId: string; queueId: number; workerId: string },
  { attempts = 50, intervalMs = 5 }: QueueWakeOptions = {},
): Promise<QueueWake> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    // Even the first look waits: the completion was only just sent, and a look before it lands is a statement spent
    // (measured: 1.7 looks per queued job when the first went at once, 1.0 now).
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const { rows } = await pool.query<{ still_ours: boolean; woke: boolean }>(
      `with queue as (
         select locked_by = $3 as still_ours, locked_by is null as free
           from graphile_worker._private_job_queues where id = $1
       ), due as (
         select 1 from graphile_worker._private_jobs
          where job_queue_id = $1 and id <> $2 and locked_at is null
            and run_at <= now() and attempts < max_attempts
          limit 1
       )
       select coalesce((select still_ours from queue), false) as still_ours,
              case when (select free from queue) and exists (select 1 from due)
                then (select true from pg_notify('jobs:insert', '{"count":1}'))
                else false end as woke`,
      [finished.queueId, finished.jobId, finished.workerId],
    );
    const row = rows[0]!;
    if (row.still_ours) continue;
    return row.woke ? 'woke' : 'nothing due';
  }
  return 'not released';
}
