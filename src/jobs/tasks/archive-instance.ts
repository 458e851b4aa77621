import { z } from 'zod';
import { archiveInstance } from '../../core/provisioning/archive-instance';
import { defineTask } from '../define-task';

export const payload = z.object({ instanceId: z.number().int().positive(), destroy: z.boolean().optional() });
export type Payload = z.input<typeof payload>;

/** Archives an instance (and with destroy, deletes its data). */
export const task = defineTask(payload, async (deps, { instanceId, destroy }) => {
  await archiveInstance(deps.provisioning, instanceId, { destroy });
});
