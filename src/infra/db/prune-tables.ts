import type pg from 'pg';

/** How long each of the bot's own growing tables keeps its rows (`retention.*` in sandbox.yml). */
export interface PruneAges {
  logsMs: number;
  deliveriesMs: number;
  failedJobsMs: number;
  auditMs: number;
  heartbeatsMs: number;
}

/** Rows deleted, per table. */
export type Pruned = Record<PrunedTable, number>;

export const prunedTables = [
  'log_chunks',
  'runtime_log_chunks',
  'webhook_deliveries',
  'graphile_jobs',
  'audit_events',
  'worker_heartbeats',
] as const;
export type PrunedTable = (typeof prunedTables)[number];

/**
 * Deletes what grows without bound past its age: deploy and runtime log
 * chunks (a runtime log's `dropped_bytes` then counts what was pruned, so it
 * still says how much of the output is not kept), recorded
 * webhook deliveries, jobs out of attempts (Graphile Worker deletes finished
 * jobs itself and keeps failed ones for inspection; a locked one is never
 * touched), audit events and dead worker heartbeats.
 */
export async function pruneTables(pool: pg.Pool, ages: PruneAges, now: Date): Promise<Pruned> {
  const before = (ms: number) => new Date(now.getTime() - ms);
  const run = async (text: string, ms: number) => (await pool.query(text, [before(ms)])).rowCount ?? 0;
  return {
    log_chunks: await run('delete from log_chunks where created_at < $1', ages.logsMs),
    // One statement sees one snapshot: the kept output starts at the first chunk not older than the cutoff.
    runtime_log_chunks: await run(
      `with pruned as (delete from runtime_log_chunks where created_at < $1 returning appserver_id),
            counted as (
              update runtime_logs r set dropped_bytes = greatest(r.dropped_bytes, coalesce(
                (select min(c."offset") from runtime_log_chunks c where c.appserver_id = r.appserver_id and c.created_at >= $1),
                r."offset") - r.start_offset)
              where r.appserver_id in (select appserver_id from pruned))
       select 1 from pruned`,
      ages.logsMs,
    ),
    webhook_deliveries: await run('delete from webhook_deliveries where received_at < $1', ages.deliveriesMs),
    graphile_jobs: await run(
      'delete from graphile_worker._private_jobs where locked_at is null and attempts >= max_attempts and updated_at < $1',
      ages.failedJobsMs,
    ),
    audit_events: await run('delete from audit_events where at < $1', ages.auditMs),
    worker_heartbeats: await run('delete from worker_heartbeats where last_seen_at < $1', ages.heartbeatsMs),
  };
}

/** Rows and the age of the oldest row of each pruned table, for `/metrics` (is pruning keeping up?). */
export async function readTableSizes(
  pool: pg.Pool,
): Promise<{ table: PrunedTable; rows: number; oldestSeconds: number }[]> {
  const result = await pool.query<{ t: PrunedTable; n: string; oldest: string | null }>(`
    select 'log_chunks' as t, count(*)::text as n, extract(epoch from now() - min(created_at))::text as oldest from log_chunks
    union all select 'runtime_log_chunks', count(*)::text, extract(epoch from now() - min(created_at))::text from runtime_log_chunks
    union all select 'webhook_deliveries', count(*)::text, extract(epoch from now() - min(received_at))::text from webhook_deliveries
    union all select 'graphile_jobs', count(*)::text, extract(epoch from now() - min(updated_at))::text from graphile_worker._private_jobs where attempts >= max_attempts
    union all select 'audit_events', count(*)::text, extract(epoch from now() - min(at))::text from audit_events
    union all select 'worker_heartbeats', count(*)::text, extract(epoch from now() - min(last_seen_at))::text from worker_heartbeats`);
  return result.rows.map((row) => ({
    table: row.t,
    rows: Number(row.n),
    oldestSeconds: row.oldest === null ? 0 : Math.max(0, Number(row.oldest)),
  }));
}
