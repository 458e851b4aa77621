import { z } from 'zod';
import { settleRoute } from '../../core/provisioning/settle-route';
import { defineTask } from '../define-task';

export const payload = z.object({ appserverId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Applies the route of an activated appserver again once its switching window is over. */
export const task = defineTask(payload, async (deps, { appserverId }) => {
  await settleRoute(deps.provisioning, appserverId);
});
