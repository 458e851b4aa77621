import type { Deployment } from '../model';
import { createAppserver } from './create-appserver';
import type { ProvisioningDeps } from './deps';

/**
 * After an appserver of `deployment` failed: another fresh appserver while
 * attempts remain, else the deployment has failed.
 */
export async function nextAttempt(
  deps: ProvisioningDeps,
  deployment: Pick<Deployment, 'id' | 'instanceId'>,
): Promise<'retrying' | 'failed'> {
  return deps.store.transaction(async (store) => {
    // The deployment as it is under the instance's lock: callers need not read it first.
    const instance = await store.lockInstance(deployment.instanceId);
    const current = await store.getDeployment(deployment.id);
    if (!current || current.state !== 'running') return 'failed';
    const used = (await store.listAppservers(deployment.instanceId)).filter(
      (a) => a.deploymentId === deployment.id,
    ).length;
    if (used < current.attempts && instance && !instance.archivedAt) {
      await createAppserver({ ...deps, store }, instance, current);
      return 'retrying';
    }
    await store.updateDeployment(deployment.id, { state: 'failed', finishedAt: deps.now() });
    return 'failed';
  });
}
