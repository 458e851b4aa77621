import { z } from 'zod';
import { activateAppserver } from '../../core/provisioning/activate-appserver';
import { defineTask } from '../define-task';

export const payload = z.object({ appserverId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Routes the instance's domains to a running appserver. */
export const task = defineTask(payload, async (deps, { appserverId }) => {
  await activateAppserver(deps.provisioning, appserverId);
});
