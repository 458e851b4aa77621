import { z } from 'zod';
import { archiveInstance } from '../../core/provisioning/archive-instance';
import { syncQuotaWaiters } from '../../core/pull-requests/reconcile-pull-requests';
import { defineTask } from '../define-task';
import { gitHubJobDeps } from '../github-deps';

export const payload = z.object({ instanceId: z.number().int().positive(), destroy: z.boolean().optional() });
export type Payload = z.input<typeof payload>;

/** Archives an instance (and with destroy, deletes its data); the slot it held goes to PRs waiting for a quota. */
export const task = defineTask(payload, async (deps, { instanceId, destroy }) => {
  await archiveInstance(deps.provisioning, instanceId, { destroy });
  const github = gitHubJobDeps(deps);
  if (github) await syncQuotaWaiters(github);
});
