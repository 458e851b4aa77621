import type pg from 'pg';
import { pullRequestKey } from '../core/pull-requests/policy';
import { enqueue } from '../infra/db/enqueue';
import type { DeliveryJob, DeliveryRoute } from './route-delivery';

// Ordinary deliveries are written in batches by delivery-recorder.ts; this file handles the one that needs a lookup first.

export type RecordOutcome = { kind: 'recorded'; job: DeliveryJob | null; noop: string | null } | { kind: 'duplicate' };

/** A check run button without a PR number: the PR comes from the bot's record of that check run, in the same transaction. */
export async function recordWithLookup(pool: pg.Pool, deliveryId: string, route: Extract<DeliveryRoute, { checkRun: object }>, bodyDigest: string | null): Promise<RecordOutcome> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const inserted = await client.query(insertDelivery, [deliveryId, route.facts.event, route.facts.action, route.facts.repository, route.facts.prNumber, bodyDigest]);
    if (inserted.rowCount === 0) {
      await client.query('rollback');
      return { kind: 'duplicate' };
    }
    const job = await checkRunJob(client, route.checkRun);
    if (job) await enqueue(client, job.task, job.payload, job.options);
    await client.query('commit');
    return { kind: 'recorded', job, noop: job ? null : 'a check run the bot does not know' };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

// No conflict target: the same delivery id, or the same body under a new id, is a duplicate.
const insertDelivery = `insert into webhook_deliveries (delivery_id, event, action, repository, pr_number, body_digest)
  values ($1, $2, $3, $4, $5, $6) on conflict do nothing returning delivery_id`;

type CheckRunRequest = NonNullable<Extract<DeliveryRoute, { checkRun: object }>['checkRun']>;

async function checkRunJob(client: pg.PoolClient, checkRun: CheckRunRequest): Promise<DeliveryJob | null> {
  const found = await client.query<{ repository: string; number: number }>('select repository, number from github_pull_requests where check_run_id = $1', [checkRun.id]);
  const row = found.rows[0];
  if (!row) return null;
  return {
    task: 'run_pr_command',
    payload: { repository: row.repository, number: row.number, installationId: checkRun.installationId, login: checkRun.login, text: null, action: checkRun.action, commentId: null },
    options: { queueName: pullRequestKey(row.repository, row.number) },
  };
}
