import type pg from 'pg';

/** The final outcome of a queued action: `succeeded` or `failed` (after the last attempt). */
export type JobOutcome = 'succeeded' | 'failed';

/**
 * Completes the audit events that queued a job with the job's final outcome
 * (`detail.outcome`, `detail.outcomeAt`, and `detail.outcomeError`). The
 * event was written in the job's transaction, so it is looked for around
 * the job's creation time (the `at` index) and then by `detail.jobId`.
 */
export async function recordJobOutcome(
  pool: pg.Pool,
  job: { id: string; created_at: Date },
  outcome: JobOutcome,
  error?: string,
): Promise<void> {
  await pool.query(
    `update audit_events
        set detail = detail || jsonb_strip_nulls(jsonb_build_object('outcome', $2::text, 'outcomeAt', now(), 'outcomeError', $3::text))
      where at between $4::timestamptz - interval '1 minute' and $4::timestamptz + interval '1 minute'
        and detail->>'jobId' = $1`,
    [String(job.id), outcome, error?.slice(0, 500) ?? null, job.created_at],
  );
}

export interface AuditFilters {
  /** A sandbox's slug. */
  instance?: string | null;
  actor?: string | null;
  surface?: string | null;
  since?: Date | null;
  limit?: number;
}

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  surface: string;
  action: string;
  instance: string | null;
  /** What was recorded when it was asked: `ok` (done or queued), `refused`, `error`. */
  result: string;
  /**
   * The final outcome of queued work: the deployment's state for a deploy,
   * else the job's (`succeeded`, `failed`); `queued` while the job waits or
   * runs; null for what was not queued (reads, refusals).
   */
  outcome: string | null;
  jobId: string | null;
  detail: Record<string, unknown>;
}

/** Audit events, newest first, filtered as `sbx audit` and the audit page ask. */
export async function queryAuditLog(pool: pg.Pool, filters: AuditFilters): Promise<AuditEntry[]> {
  const result = await pool.query<{
    id: string;
    at: Date;
    actor: string;
    surface: string;
    action: string;
    instance_slug: string | null;
    result: string;
    detail: Record<string, unknown>;
    deployment_state: string | null;
  }>(
    `select e.id, e.at, e.actor, e.surface, e.action, e.instance_slug, e.result, e.detail, d.state as deployment_state
       from audit_events e
       left join deployments d on e.detail ? 'deploymentId' and jsonb_typeof(e.detail->'deploymentId') = 'number' and d.id = (e.detail->>'deploymentId')::int
      where ($1::text is null or e.instance_slug = $1)
        and ($2::text is null or lower(e.actor) = lower($2))
        and ($3::text is null or e.surface = $3)
        and ($4::timestamptz is null or e.at >= $4)
      order by e.at desc, e.id desc
      limit $5`,
    [
      filters.instance ?? null,
      filters.actor ?? null,
      filters.surface ?? null,
      filters.since ?? null,
      filters.limit ?? 200,
    ],
  );
  return result.rows.map((row) => {
    const jobId = typeof row.detail.jobId === 'string' ? row.detail.jobId : null;
    const jobOutcome = typeof row.detail.outcome === 'string' ? row.detail.outcome : null;
    const outcome = row.deployment_state ?? jobOutcome ?? (jobId ? 'queued' : null);
    return {
      id: Number(row.id),
      at: row.at,
      actor: row.actor,
      surface: row.surface,
      action: row.action,
      instance: row.instance_slug,
      result: row.result,
      outcome,
      jobId,
      detail: row.detail,
    };
  });
}
