import type pg from 'pg';
import { pullRequestKey } from '../core/pull-requests/policy';
import { recordCheckRunDelivery } from '../infra/db/webhook-deliveries';
import type { DeliveryJob, DeliveryRoute } from './route-delivery';

// Ordinary deliveries are written in batches by delivery-recorder.ts; this file handles the one that needs a lookup first.

export type RecordOutcome = { kind: 'recorded'; job: DeliveryJob | null; noop: string | null } | { kind: 'duplicate' };

/** A check run button without a PR number: the PR comes from the bot's record of that check run, in the same transaction. */
export async function recordWithLookup(
  pool: pg.Pool,
  deliveryId: string,
  route: Extract<DeliveryRoute, { checkRun: object }>,
  bodyDigest: string | null,
): Promise<RecordOutcome> {
  const { checkRun } = route;
  const outcome = await recordCheckRunDelivery(
    pool,
    { deliveryId, bodyDigest, facts: route.facts },
    checkRun.id,
    (pullRequest) => ({
      task: 'run_pr_command',
      payload: {
        repository: pullRequest.repository,
        number: pullRequest.number,
        installationId: checkRun.installationId,
        login: checkRun.login,
        text: null,
        action: checkRun.action,
        commentId: null,
      },
      options: { queueName: pullRequestKey(pullRequest.repository, pullRequest.number) },
    }),
  );
  if (outcome.kind === 'duplicate') return outcome;
  return { kind: 'recorded', job: outcome.job, noop: outcome.job ? null : 'a check run the bot does not know' };
}
