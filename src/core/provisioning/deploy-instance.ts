import { unfinishedStates } from '../appserver-state';
import type { Deployment } from '../model';
import { createAppserver } from './create-appserver';
import type { ProvisioningDeps } from './deps';
import { cancelAppserver } from './stop-appserver';
import { reportChange } from './report-change';

/**
 * Starts a requested deployment: supersedes every older unfinished one (so
 * only the newest commit deploys) and creates its first appserver. A
 * deployment that is no longer pending is left alone (safe to run twice).
 */
export async function startDeployment(deps: ProvisioningDeps, deploymentId: number): Promise<void> {
  const superseded = await deps.store.transaction(async (store) => {
    const deployment = await store.getDeployment(deploymentId);
    if (!deployment || deployment.state !== 'pending') return [];
    await store.lockInstance(deployment.instanceId);
    const instance = await store.getInstance(deployment.instanceId);
    if (!instance || instance.archivedAt || instance.deletedAt) {
      await store.updateDeployment(deployment.id, { state: 'cancelled', finishedAt: deps.now() });
      return [];
    }
    const older = (await store.listDeployments(instance.id)).filter(
      (d) => d.id !== deployment.id && (d.state === 'pending' || d.state === 'running'),
    );
    for (const old of older) await store.updateDeployment(old.id, { state: 'cancelled', finishedAt: deps.now() });
    const stale = (await store.listAppservers(instance.id)).filter((a) => unfinishedStates.includes(a.state));
    await store.updateDeployment(deployment.id, { state: 'running' });
    await createAppserver({ ...deps, store }, instance, deployment);
    await reportChange(store, instance.id, deps.now());
    return stale;
  });
  for (const appserver of superseded) await cancelAppserver(deps, appserver.id, 'superseded by a newer deployment');
}

/**
 * After an appserver of `deployment` failed: another fresh appserver while
 * attempts remain, else the deployment has failed.
 */
export async function nextAttempt(deps: ProvisioningDeps, deployment: Deployment): Promise<'retrying' | 'failed'> {
  return deps.store.transaction(async (store) => {
    await store.lockInstance(deployment.instanceId);
    const current = await store.getDeployment(deployment.id);
    if (!current || current.state !== 'running') return 'failed';
    const used = (await store.listAppservers(deployment.instanceId)).filter(
      (a) => a.deploymentId === deployment.id,
    ).length;
    const instance = await store.getInstance(deployment.instanceId);
    if (used < current.attempts && instance && !instance.archivedAt) {
      await createAppserver({ ...deps, store }, instance, current);
      return 'retrying';
    }
    await store.updateDeployment(deployment.id, { state: 'failed', finishedAt: deps.now() });
    return 'failed';
  });
}
