import { z } from 'zod';
import { sweepSleep } from '../../core/sleep/sleep-sandboxes';
import { createSleepPolicy } from '../../infra/sleep-policy';
import { defineTask } from '../define-task';

export const payload = z.object({ _cron: z.unknown().optional() }).loose();
export type Payload = z.input<typeof payload>;

/** Queues the sleep of every sandbox without requests for its `sleep_after` (periodic). */
export const task = defineTask(payload, async (deps, _payload, helpers) => {
  const queued = await sweepSleep(deps.provisioning, createSleepPolicy(deps.config));
  if (queued.length) helpers.logger.info(`sleep: queued ${queued.join(', ')}`);
});
