import { z } from 'zod';
import { startDeployment } from '../../core/provisioning/deploy-instance';
import { defineTask } from '../define-task';

export const payload = z.object({ deploymentId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Starts a requested deployment (supersedes older unfinished ones). */
export const task = defineTask(payload, async (deps, { deploymentId }) => {
  await startDeployment(deps.provisioning, deploymentId);
});
