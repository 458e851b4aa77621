import type pg from 'pg';

/** Deploy duration buckets, in seconds: a script deploy takes seconds, an Open edX deploy about an hour. */
export const deployBuckets = [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200] as const;

/** Database-backed metrics, read at scrape time. */
export interface Snapshot {
  deployments: Map<string, number>;
  appservers: Map<string, number>;
  jobs: { ready: number; scheduled: number; running: number; failed: number };
  durations: { outcome: string; buckets: number[]; count: number; sum: number }[];
  /** Cleanup events counted so far (`cleanup_counters`), by event. */
  cleanup: Map<string, number>;
  /** Live sandboxes that expire (a TTL applies, not pinned): how many, and the soonest expiry. */
  expiry: { scheduled: number; warned: number; pinned: number; nextSeconds: number | null };
}

/**
 * Reads every database-backed metric in one round of queries at scrape time,
 * so any number of web replicas report the same numbers and nothing is
 * counted twice.
 */
export async function readSnapshot(pool: pg.Pool): Promise<Snapshot> {
  const [deployments, appservers, jobs, durations, cleanup, expiry] = await Promise.all([
    pool.query<{ state: string; n: string }>(`select state, count(*)::text as n from deployments group by state`),
    pool.query<{ state: string; n: string }>(`select state, count(*)::text as n from appservers group by state`),
    pool.query<{ ready: string; scheduled: string; running: string; failed: string }>(`select
        count(*) filter (where locked_at is null and attempts < max_attempts and run_at <= now())::text as ready,
        count(*) filter (where locked_at is null and attempts < max_attempts and run_at > now())::text as scheduled,
        count(*) filter (where locked_at is not null)::text as running,
        count(*) filter (where locked_at is null and attempts >= max_attempts)::text as failed
      from graphile_worker.jobs`),
    pool.query<{ outcome: string; buckets: string[]; n: string; total: string }>(`select outcome,
        array[${deployBuckets.map((le) => `count(*) filter (where seconds <= ${le})::text`).join(', ')}] as buckets,
        count(*)::text as n, coalesce(sum(seconds), 0)::text as total
      from (select state as outcome, extract(epoch from finished_at - created_at) as seconds
            from deployments where finished_at is not null and state in ('succeeded', 'failed', 'cancelled')) d
      group by outcome`),
    pool.query<{ event: string; n: string }>(`select event, count::text as n from cleanup_counters`),
    pool.query<{ scheduled: string; warned: string; pinned: string; next: string | null }>(`select
        count(*) filter (where expires_at is not null and not pinned)::text as scheduled,
        count(*) filter (where expires_at is not null and not pinned and expiry_warned_for = expires_at)::text as warned,
        count(*) filter (where pinned)::text as pinned,
        extract(epoch from min(expires_at) filter (where not pinned) - now())::text as next
      from instances where archived_at is null and deleted_at is null`),
  ]);
  const counts = (rows: { state: string; n: string }[]) => new Map(rows.map((row) => [row.state, Number(row.n)]));
  const job = jobs.rows[0]!;
  const due = expiry.rows[0]!;
  return {
    deployments: counts(deployments.rows),
    appservers: counts(appservers.rows),
    jobs: {
      ready: Number(job.ready),
      scheduled: Number(job.scheduled),
      running: Number(job.running),
      failed: Number(job.failed),
    },
    durations: durations.rows.map((row) => ({
      outcome: row.outcome,
      buckets: row.buckets.map(Number),
      count: Number(row.n),
      sum: Number(row.total),
    })),
    cleanup: new Map(cleanup.rows.map((row) => [row.event, Number(row.n)])),
    expiry: {
      scheduled: Number(due.scheduled),
      warned: Number(due.warned),
      pinned: Number(due.pinned),
      nextSeconds: due.next === null ? null : Number(due.next),
    },
  };
}
