import { z } from 'zod';
import { sleepSandbox } from '../../core/sleep/sleep-sandboxes';
import { createSleepPolicy } from '../../infra/sleep-policy';
import { defineTask } from '../define-task';

export const payload = z.object({ instanceId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Stops the appserver of one sandbox left alone for its `sleep_after` (decided again under its lock). */
export const task = defineTask(payload, async (deps, { instanceId }) => {
  await sleepSandbox(deps.provisioning, createSleepPolicy(deps.config), instanceId);
});
