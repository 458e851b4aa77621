import type pg from 'pg';
import { addJobArguments, enqueue, type QueuedJob } from './enqueue';

/** What is recorded about every delivery (webhook_deliveries). */
export interface DeliveryFacts {
  event: string;
  action: string | null;
  repository: string | null;
  prNumber: number | null;
}

/** One delivery to record, with the job it starts (enqueued only when the delivery is new). */
export interface DeliveryRow {
  deliveryId: string;
  /** SHA-256 of the raw body: the same body under a new delivery id is a duplicate. */
  bodyDigest: string | null;
  facts: DeliveryFacts;
  job: QueuedJob | null;
}

const batchSql = `
with input as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $12::text[]) as t(delivery_id, event, action, repository, pr_number, body_digest)
),
-- No conflict target: a delivery id seen before, or the same body under a new id (a replay), is skipped alike.
inserted as (
  insert into webhook_deliveries (delivery_id, event, action, repository, pr_number, body_digest)
  select delivery_id, event, action, repository, pr_number, body_digest from input
  on conflict do nothing
  returning delivery_id
),
jobs as (
  select j.* from unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::text[], $13::int[], $14::int[]) with ordinality
    as j(delivery_id, identifier, payload, queue_name, run_at, job_key, max_attempts, priority, ord)
  where j.delivery_id in (select delivery_id from inserted)
),
-- add_jobs replaces a pending job with the same key; within one batch the latest delivery wins.
latest as (
  select distinct on (coalesce(job_key, 'delivery:' || delivery_id)) * from jobs order by coalesce(job_key, 'delivery:' || delivery_id), ord desc
),
added as (
  select count(*) as jobs from graphile_worker.add_jobs(array(
    select (identifier, payload::json, queue_name, run_at, max_attempts, job_key, priority, null)::graphile_worker.job_spec from latest order by ord
  ), false)
)
select (select coalesce(array_agg(delivery_id), '{}') from inserted) as inserted, (select jobs from added) as jobs`;

/**
 * Records deliveries and enqueues the jobs of the new ones in one statement
 * (one transaction, one round trip). Returns the ids that were new; a
 * delivery id or a body twice in one batch counts once.
 */
export async function writeDeliveries(pool: pg.Pool, rows: readonly DeliveryRow[]): Promise<Set<string>> {
  const first = new Map<string, DeliveryRow>();
  for (const row of rows) if (!first.has(row.deliveryId)) first.set(row.deliveryId, row);
  const items = [...first.values()];
  const withJobs = items.filter((item) => item.job);
  // The same mapping from enqueue options to add_job arguments as every other enqueue.
  const jobs = withJobs.map((item) => addJobArguments(item.job!.task, item.job!.payload, item.job!.options));
  const result = await pool.query<{ inserted: string[] }>({
    name: 'record-webhook-deliveries',
    text: batchSql,
    values: [
      items.map((item) => item.deliveryId),
      items.map((item) => item.facts.event),
      items.map((item) => item.facts.action),
      items.map((item) => item.facts.repository),
      items.map((item) => item.facts.prNumber),
      withJobs.map((item) => item.deliveryId),
      jobs.map(([identifier]) => identifier),
      jobs.map(([, payload]) => payload),
      jobs.map(([, , queueName]) => queueName),
      jobs.map(([, , , runAt]) => runAt),
      jobs.map(([, , , , , jobKey]) => jobKey),
      items.map((item) => item.bodyDigest),
      jobs.map(([, , , , maxAttempts]) => maxAttempts),
      jobs.map(([, , , , , , , priority]) => priority),
    ],
  });
  return new Set(result.rows[0]?.inserted ?? []);
}

const insertDelivery = `insert into webhook_deliveries (delivery_id, event, action, repository, pr_number, body_digest)
  values ($1, $2, $3, $4, $5, $6) on conflict do nothing returning delivery_id`;

/**
 * Records a check run's delivery whose pull request is known only from the
 * bot's record of that check run: the lookup, the delivery and the job (from
 * `jobFor`) in one transaction. Null job: a check run the bot does not know.
 */
export async function recordCheckRunDelivery(
  pool: pg.Pool,
  row: Omit<DeliveryRow, 'job'>,
  checkRunId: number,
  jobFor: (pullRequest: { repository: string; number: number }) => QueuedJob,
): Promise<{ kind: 'duplicate' } | { kind: 'recorded'; job: QueuedJob | null }> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const inserted = await client.query(insertDelivery, [
      row.deliveryId,
      row.facts.event,
      row.facts.action,
      row.facts.repository,
      row.facts.prNumber,
      row.bodyDigest,
    ]);
    if (inserted.rowCount === 0) {
      await client.query('rollback');
      return { kind: 'duplicate' };
    }
    const found = await client.query<{ repository: string; number: number }>(
      'select repository, number from github_pull_requests where check_run_id = $1',
      [checkRunId],
    );
    const pullRequest = found.rows[0];
    const job = pullRequest ? jobFor(pullRequest) : null;
    if (job) await enqueue(client, job.task, job.payload, job.options);
    await client.query('commit');
    return { kind: 'recorded', job };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
