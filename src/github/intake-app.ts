import type pg from 'pg';
import type { ApplicationFunction } from 'probot';
import type { Logger } from '../infra/logger';
import { webhooksReceived } from '../infra/metrics';
import { createDeliveryRecorder } from './delivery-recorder';
import { routeDelivery, unwatchedReason } from './route-delivery';

export interface IntakeOptions {
  pool: pg.Pool;
  logger: Logger;
  /** The App's slug once known (mentions); read on every delivery, never fetched here. */
  appSlug: () => string | null;
  syncDebounceMs: number;
  watched: (repository: string) => boolean;
  /** SHA-256 of the raw body of the delivery being handled (null when unknown), read inside the handler. */
  bodyDigest: () => string | null;
}

/**
 * The Probot app: verify (Probot) → route → record and enqueue → 2xx.
 * Nothing here calls the GitHub API or does slow work; the jobs do.
 */
export function intakeApp(options: IntakeOptions): ApplicationFunction {
  const recorder = createDeliveryRecorder(options.pool);
  return (app) => {
    app.onAny(async (context) => {
      const route = routeDelivery(context.name, context.payload, {
        appSlug: options.appSlug(),
        syncDebounceMs: options.syncDebounceMs,
        now: new Date(),
        watched: options.watched,
      });
      const outcome = await recorder.record(context.id, route, options.bodyDigest());
      webhooksReceived.inc({ event: context.name });
      const where = {
        delivery: context.id,
        event: context.name,
        action: route.facts.action,
        repository: route.facts.repository,
        number: route.facts.prNumber,
      };
      if (outcome.kind === 'duplicate') options.logger.info(where, 'webhook delivered again; already recorded');
      else if (outcome.noop === unwatchedReason)
        options.logger.info(
          where,
          'webhook for a repository that is not in sandbox.yml (repositories[]); nothing to do',
        );
      else if (outcome.job)
        options.logger.debug({ ...where, task: outcome.job.task }, 'webhook recorded; job enqueued');
      else options.logger.debug({ ...where, why: outcome.noop }, 'webhook recorded; nothing to do');
    });
  };
}
