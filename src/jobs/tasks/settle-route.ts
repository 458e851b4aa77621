import { z } from 'zod';
import { settleRoute } from '../../core/provisioning/settle-route';
import { defineTask } from '../define-task';

export const payload = z.object({ appserverId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/**
 * Applies the route of an appserver again if it is still the sandbox's active one: after an activation's
 * switching window, when reconcile found the route missing, and when sleep routing changed.
 */
export const task = defineTask(payload, async (deps, { appserverId }) => {
  await settleRoute(deps.provisioning, appserverId);
});
