import { liveStateSql, unfinishedStateSql } from './instance-status-sql';
import type pg from 'pg';

export interface QueueSummary {
  ready: number;
  scheduled: number;
  running: number;
  failed: number;
  runningJobs: {
    id: string;
    task: string;
    queue: string | null;
    slug: string | null;
    lockedAt: Date;
    attempts: number;
  }[];
  erroredJobs: {
    id: string;
    task: string;
    queue: string | null;
    slug: string | null;
    attempts: number;
    maxAttempts: number;
    error: string;
    at: Date;
    retryAt: Date | null;
  }[];
}

/** Queue depth, running jobs and jobs that failed, read (never written) from Graphile Worker's `jobs` view. */
export async function readQueue(pool: pg.Pool, redact: (text: string) => string): Promise<QueueSummary> {
  const [counts, running, errored] = await Promise.all([
    pool.query<{ ready: string; scheduled: string; running: string; failed: string }>(`select
        count(*) filter (where locked_at is null and attempts < max_attempts and run_at <= now())::text as ready,
        count(*) filter (where locked_at is null and attempts < max_attempts and run_at > now())::text as scheduled,
        count(*) filter (where locked_at is not null)::text as running,
        count(*) filter (where locked_at is null and attempts >= max_attempts)::text as failed
      from graphile_worker.jobs`),
    pool.query<{
      id: string;
      task_identifier: string;
      queue_name: string | null;
      slug: string | null;
      locked_at: Date;
      attempts: number;
    }>(
      `select j.id::text, j.task_identifier, j.queue_name, i.slug, j.locked_at, j.attempts
       from graphile_worker.jobs j left join instances i on j.queue_name = 'instance:' || i.id
       where j.locked_at is not null order by j.locked_at limit 20`,
    ),
    pool.query<{
      id: string;
      task_identifier: string;
      queue_name: string | null;
      slug: string | null;
      attempts: number;
      max_attempts: number;
      last_error: string;
      updated_at: Date;
      run_at: Date;
    }>(
      `select j.id::text, j.task_identifier, j.queue_name, i.slug, j.attempts, j.max_attempts, left(j.last_error, 8000) as last_error, j.updated_at, j.run_at
       from graphile_worker.jobs j left join instances i on j.queue_name = 'instance:' || i.id
       where j.last_error is not null order by j.updated_at desc limit 20`,
    ),
  ]);
  const count = counts.rows[0]!;
  return {
    ready: Number(count.ready),
    scheduled: Number(count.scheduled),
    running: Number(count.running),
    failed: Number(count.failed),
    runningJobs: running.rows.map((row) => ({
      id: row.id,
      task: row.task_identifier,
      queue: row.queue_name,
      slug: row.slug,
      lockedAt: row.locked_at,
      attempts: row.attempts,
    })),
    erroredJobs: errored.rows.map((row) => ({
      id: row.id,
      task: row.task_identifier,
      queue: row.queue_name,
      slug: row.slug,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      error: redact(row.last_error).slice(0, 4000),
      at: row.updated_at,
      retryAt: row.attempts < row.max_attempts ? row.run_at : null,
    })),
  };
}

export interface HostLoad {
  name: string;
  provider: string;
  address: string;
  capacity: number;
  live: number;
  deploying: number;
  acceptsNew: boolean;
  lastSeenAt: Date | null;
}

/** Each host with how many live appservers it holds against its capacity. */
export async function readHostLoads(pool: pg.Pool): Promise<HostLoad[]> {
  const result = await pool.query<{
    name: string;
    provider: string;
    address: string;
    capacity: number;
    live: string;
    deploying: string;
    accepts_new: boolean;
    last_seen_at: Date | null;
  }>(
    `select h.name, h.provider, h.address, h.capacity, h.accepts_new, h.last_seen_at,
       count(a.id)::text as live, count(a.id) filter (where ${unfinishedStateSql('a.state')})::text as deploying
     from hosts h left join appservers a on a.host_id = h.id and ${liveStateSql('a.state')}
     group by h.id order by h.name`,
  );
  return result.rows.map((row) => ({
    name: row.name,
    provider: row.provider,
    address: row.address,
    capacity: row.capacity,
    live: Number(row.live),
    deploying: Number(row.deploying),
    acceptsNew: row.accepts_new,
    lastSeenAt: row.last_seen_at,
  }));
}

export interface AuditRow {
  at: Date;
  actor: string;
  surface: string;
  action: string;
  slug: string | null;
  result: string;
  detail: string;
}

/** The latest audit events, details redacted and shortened. */
export async function readAuditEvents(
  pool: pg.Pool,
  redact: (text: string) => string,
  limit = 25,
): Promise<AuditRow[]> {
  const result = await pool.query<{
    at: Date;
    actor: string;
    surface: string;
    action: string;
    instance_slug: string | null;
    result: string;
    detail: Record<string, unknown>;
  }>(
    `select at, actor, surface, action, instance_slug, result, detail from audit_events order by at desc, id desc limit $1`,
    [limit],
  );
  return result.rows.map((row) => {
    const detail = Object.keys(row.detail).length ? redact(JSON.stringify(row.detail)) : '';
    return {
      at: row.at,
      actor: row.actor,
      surface: row.surface,
      action: row.action,
      slug: row.instance_slug,
      result: row.result,
      detail: detail.length > 200 ? `${detail.slice(0, 199)}…` : detail,
    };
  });
}
