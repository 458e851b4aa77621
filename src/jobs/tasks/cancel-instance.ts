import { z } from 'zod';
import { cancelInstance } from '../../core/provisioning/stop-appserver';
import { defineTask } from '../define-task';

export const payload = z.object({ instanceId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Cancels the unfinished deployments of an instance. */
export const task = defineTask(payload, async (deps, { instanceId }) => {
  await cancelInstance(deps.provisioning, instanceId);
});
