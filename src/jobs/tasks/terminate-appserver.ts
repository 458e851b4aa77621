import { z } from 'zod';
import { terminateAppserver } from '../../core/provisioning/stop-appserver';
import { defineTask } from '../define-task';

export const payload = z.object({ appserverId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Stops an appserver and removes its work directory. */
export const task = defineTask(payload, async (deps, { appserverId }) => {
  await terminateAppserver(deps.provisioning, appserverId);
});
