import { z } from 'zod';
import { retainAppservers } from '../../core/provisioning/retain-appservers';
import { defineTask } from '../define-task';

export const payload = z.object({ instanceId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Terminates superseded appservers past the retention age. */
export const task = defineTask(payload, async (deps, { instanceId }) => {
  await retainAppservers(deps.provisioning, instanceId);
});
