import type pg from 'pg';

/** Whether any worker process beat in the last minute (jobs would otherwise wait until one starts). */
export async function workerAlive(pool: Pick<pg.Pool, 'query'>): Promise<boolean> {
  const alive = await pool.query(
    `select 1 from worker_heartbeats where last_seen_at > now() - interval '60 seconds' limit 1`,
  );
  return Boolean(alive.rowCount);
}

/** Records that these worker ids are alive now. */
export async function recordHeartbeats(
  pool: pg.Pool,
  workerIds: readonly string[],
  processName: string,
): Promise<void> {
  if (workerIds.length === 0) return;
  await pool.query(
    `insert into worker_heartbeats (worker_id, process, last_seen_at)
     select unnest($1::text[]), $2, now()
     on conflict (worker_id) do update set last_seen_at = now()`,
    [workerIds, processName],
  );
}

/** Removes heartbeats (a clean stop, or processes known to be gone). */
export async function forgetHeartbeats(pool: pg.Pool, workerIds: readonly string[]): Promise<void> {
  if (workerIds.length === 0) return;
  await pool.query('delete from worker_heartbeats where worker_id = any($1::text[])', [workerIds]);
}

/** Heartbeats recorded by processes of this machine (`<hostname>:<pid>`). */
export async function heartbeatsOfHost(pool: pg.Pool, host: string): Promise<{ workerId: string; process: string }[]> {
  const result = await pool.query<{ worker_id: string; process: string }>(
    'select worker_id, process from worker_heartbeats where process like $1',
    [`${host}:%`],
  );
  return result.rows.map((row) => ({ workerId: row.worker_id, process: row.process }));
}

/**
 * Owners of locked jobs that are dead: one of `vanished`, or without a
 * heartbeat for `deadAfterMs` and holding a lock at least that old (a worker
 * that just started and has not beaten yet is not dead).
 */
export async function deadJobOwners(
  pool: pg.Pool,
  deadAfterMs: number,
  vanished: readonly string[],
): Promise<string[]> {
  const dead = await pool.query<{ locked_by: string }>(
    `select distinct j.locked_by from graphile_worker._private_jobs j
      where j.locked_by is not null
        and (j.locked_by = any($2::text[])
             or (j.locked_at < now() - make_interval(secs => $1::float / 1000)
                 and not exists (select 1 from worker_heartbeats h
                                  where h.worker_id = j.locked_by
                                    and h.last_seen_at > now() - make_interval(secs => $1::float / 1000))))`,
    [deadAfterMs, vanished],
  );
  return dead.rows.map((row) => row.locked_by);
}

/** Hands the jobs locked by these workers back to the queue at once (Graphile would wait four hours). */
export async function unlockWorkers(pool: pg.Pool, workerIds: readonly string[]): Promise<void> {
  await pool.query('select graphile_worker.force_unlock_workers($1::text[])', [workerIds]);
}

/** Whether these workers still hold any job lock. */
export async function holdsLocks(pool: pg.Pool, workerIds: readonly string[]): Promise<boolean> {
  const held = await pool.query(
    'select 1 from graphile_worker._private_jobs where locked_by = any($1::text[]) limit 1',
    [workerIds],
  );
  return Boolean(held.rowCount);
}

/** One round trip to the database (readiness). */
export async function ping(pool: Pick<pg.Pool, 'query'>): Promise<void> {
  await pool.query('select 1');
}
