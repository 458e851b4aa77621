import { z } from 'zod';
import { followAppserver } from '../../core/provisioning/follow-appserver';
import { defineTask } from '../define-task';

export const payload = z.object({ appserverId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Follows a deploy for a short while (log, exit status, health), then hands over to the next follow job. */
export const task = defineTask(payload, async (deps, { appserverId }, helpers) => {
  await followAppserver(deps.provisioning, appserverId, helpers.abortSignal);
});
