import { unfinishedStates } from '../appserver-state';
import { createAppserver } from './create-appserver';
import type { ProvisioningDeps } from './deps';
import { provisionAppserver } from './provision-appserver';
import { cancelAppserver } from './stop-appserver';
import { reportChange } from './report-change';

/**
 * Starts a requested deployment: supersedes every older unfinished one (so
 * only the newest commit deploys), creates its first appserver and provisions
 * it at once. A deployment that is no longer pending is left alone (safe to
 * run twice).
 *
 * The appserver's `provision_appserver` job is still enqueued with it (so a
 * crash before the launch loses nothing), but this job provisions it right
 * away instead of handing over: both run in the instance's queue, so nothing
 * can run between them anyway, and the hand-over only cost a worker round
 * trip. The queued job then finds the appserver launched and does nothing.
 */
export async function startDeployment(deps: ProvisioningDeps, deploymentId: number): Promise<void> {
  const started = await deps.store.transaction(async (store) => {
    const deployment = await store.getDeployment(deploymentId);
    if (!deployment || deployment.state !== 'pending') return null;
    await store.lockInstance(deployment.instanceId);
    const instance = await store.getInstance(deployment.instanceId);
    if (!instance || instance.archivedAt || instance.deletedAt) {
      await store.updateDeployment(deployment.id, { state: 'cancelled', finishedAt: deps.now() });
      return null;
    }
    const older = (await store.listDeployments(instance.id)).filter(
      (d) => d.id !== deployment.id && (d.state === 'pending' || d.state === 'running'),
    );
    for (const old of older) await store.updateDeployment(old.id, { state: 'cancelled', finishedAt: deps.now() });
    const stale = (await store.listAppservers(instance.id)).filter((a) => unfinishedStates.includes(a.state));
    await store.updateDeployment(deployment.id, { state: 'running' });
    const appserver = await createAppserver({ ...deps, store }, instance, deployment);
    await reportChange(store, instance.id, deps.now());
    return { stale, appserverId: appserver.id };
  });
  if (!started) return;
  for (const appserver of started.stale) await cancelAppserver(deps, appserver.id, 'superseded by a newer deployment');
  await provisionAppserver(deps, started.appserverId);
}
