import type pg from 'pg';

/** Whether any worker process beat in the last minute (jobs would otherwise wait until one starts). */
export async function workerAlive(pool: Pick<pg.Pool, 'query'>): Promise<boolean> {
  const alive = await pool.query(`select 1 from worker_heartbeats where last_seen_at > now() - interval '60 seconds' limit 1`);
  return Boolean(alive.rowCount);
}
