import type pg from 'pg';
import { addJobArguments } from '../infra/db/enqueue';
import { recordWithLookup, type RecordOutcome } from './record-delivery';
import type { DeliveryRoute } from './route-delivery';

export interface DeliveryRecorder {
  /**
   * Records the delivery and enqueues its job in one transaction; resolves once both are committed.
   * A delivery whose id or body digest (SHA-256 of the raw body) was seen before is a duplicate.
   */
  record(deliveryId: string, route: DeliveryRoute, bodyDigest: string | null): Promise<RecordOutcome>;
}

interface Pending {
  deliveryId: string;
  bodyDigest: string | null;
  route: Exclude<DeliveryRoute, { checkRun: object }>;
  resolve(outcome: RecordOutcome): void;
  reject(error: unknown): void;
}

/** Statements writing deliveries at once; the rest of the pool stays free for everything else. */
const maxFlushesInFlight = 3;

/**
 * Group commit for webhook intake: deliveries that arrive while earlier
 * ones are being written go to PostgreSQL together, in one statement (one
 * transaction, one round trip): the delivery rows, then the jobs of the
 * deliveries that were new. Every request still waits for its own commit
 * before its 2xx. A lone delivery is written at once.
 */
export function createDeliveryRecorder(pool: pg.Pool): DeliveryRecorder {
  let queue: Pending[] = [];
  let inFlight = 0;

  const pump = () => {
    while (queue.length && inFlight < maxFlushesInFlight) {
      const batch = queue;
      queue = [];
      inFlight += 1;
      void writeBatch(pool, batch)
        .then(
          (inserted) => {
            for (const item of batch) {
              item.resolve(inserted.has(item) ? { kind: 'recorded', job: item.route.job, noop: item.route.job ? null : item.route.noop } : { kind: 'duplicate' });
            }
          },
          (error: unknown) => batch.forEach((item) => item.reject(error)),
        )
        .finally(() => {
          inFlight -= 1;
          pump();
        });
    }
  };

  return {
    record(deliveryId, route, bodyDigest) {
      if ('checkRun' in route) return recordWithLookup(pool, deliveryId, route, bodyDigest);
      return new Promise((resolve, reject) => {
        queue.push({ deliveryId, bodyDigest, route, resolve, reject });
        // Let the requests parsed in this turn of the event loop join the batch.
        if (queue.length === 1) setImmediate(pump);
      });
    },
  };
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
  select j.* from unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::text[], $13::int[]) with ordinality
    as j(delivery_id, identifier, payload, queue_name, run_at, job_key, max_attempts, ord)
  where j.delivery_id in (select delivery_id from inserted)
),
-- add_jobs replaces a pending job with the same key; within one batch the latest delivery wins.
latest as (
  select distinct on (coalesce(job_key, 'delivery:' || delivery_id)) * from jobs order by coalesce(job_key, 'delivery:' || delivery_id), ord desc
),
added as (
  select count(*) as jobs from graphile_worker.add_jobs(array(
    select (identifier, payload::json, queue_name, run_at, max_attempts, job_key, null, null)::graphile_worker.job_spec from latest order by ord
  ), false)
)
select (select coalesce(array_agg(delivery_id), '{}') from inserted) as inserted, (select jobs from added) as jobs`;

/** Writes one batch; returns the items whose delivery was new. A delivery id or a body twice in one batch counts once. */
async function writeBatch(pool: pg.Pool, batch: Pending[]): Promise<Set<Pending>> {
  const first = new Map<string, Pending>();
  for (const item of batch) if (!first.has(item.deliveryId)) first.set(item.deliveryId, item);
  const items = [...first.values()];
  const withJobs = items.filter((item) => item.route.job);
  // The same mapping from enqueue options to add_job arguments as every other enqueue (infra/db/enqueue.ts).
  const jobs = withJobs.map((item) => addJobArguments(item.route.job!.task, item.route.job!.payload, item.route.job!.options));
  const result = await pool.query<{ inserted: string[] }>({
    name: 'record-webhook-deliveries',
    text: batchSql,
    values: [
      items.map((item) => item.deliveryId),
      items.map((item) => item.route.facts.event),
      items.map((item) => item.route.facts.action),
      items.map((item) => item.route.facts.repository),
      items.map((item) => item.route.facts.prNumber),
      withJobs.map((item) => item.deliveryId),
      jobs.map(([identifier]) => identifier),
      jobs.map(([, payload]) => payload),
      jobs.map(([, , queueName]) => queueName),
      jobs.map(([, , , runAt]) => runAt),
      jobs.map(([, , , , , jobKey]) => jobKey),
      items.map((item) => item.bodyDigest),
      jobs.map(([, , , , maxAttempts]) => maxAttempts),
    ],
  });
  const inserted = new Set(result.rows[0]?.inserted ?? []);
  return new Set(items.filter((item) => inserted.has(item.deliveryId)));
}
