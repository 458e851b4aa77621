import { z } from 'zod';
import { wakeSandbox } from '../../core/sleep/wake-sandbox';
import { defineTask } from '../define-task';

export const payload = z.object({ instanceId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Starts a sleeping sandbox's appserver again (its first request asked for it). */
export const task = defineTask(payload, async (deps, { instanceId }, helpers) => {
  const outcome = await wakeSandbox(deps.provisioning, instanceId, helpers.abortSignal);
  if (outcome !== 'not_sleeping') helpers.logger.info(`wake of instance ${instanceId}: ${outcome}`);
});
