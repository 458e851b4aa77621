import { z } from 'zod';
import { provisionAppserver } from '../../core/provisioning/provision-appserver';
import { defineTask } from '../define-task';

export const payload = z.object({ appserverId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Places a new appserver on a host and launches its detached deploy. */
export const task = defineTask(payload, async (deps, { appserverId }) => {
  await provisionAppserver(deps.provisioning, appserverId);
});
