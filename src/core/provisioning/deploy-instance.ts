import { unfinishedStates } from '../appserver-state';
import { createAppserver } from './create-appserver';
import type { ProvisioningDeps } from './deps';
import { provisionAppserver } from './provision-appserver';
import { cancelAppserver } from './stop-appserver';
import { reportChangeBeforeNext } from './report-change';

/**
 * Starts a requested deployment: supersedes every older unfinished one (so
 * only the newest commit deploys), creates its first appserver and provisions
 * it at once, in this job: no `provision_appserver` job to hand over to (it
 * cost a worker round trip, and its statements ran beside the deploy). Safe
 * to run again: a deployment already running (this job is retried after its
 * process died between the two steps) gets the appservers it created and
 * never launched provisioned; anything else that is no longer pending is
 * left alone.
 */
export async function startDeployment(deps: ProvisioningDeps, deploymentId: number): Promise<void> {
  const started = await deps.store.transaction(async (store) => {
    const deployment = await store.getDeployment(deploymentId);
    if (deployment?.state === 'running') {
      const unlaunched = (await store.listAppservers(deployment.instanceId)).filter(
        (a) => a.deploymentId === deployment.id && (a.state === 'new' || a.state === 'waiting'),
      );
      return { stale: [], appserverIds: unlaunched.map((a) => a.id) };
    }
    if (!deployment || deployment.state !== 'pending') return null;
    const instance = await store.lockInstance(deployment.instanceId);
    // Older requests are superseded either way: their queued jobs were replaced by this one's (one job key per
    // instance), so nothing else would ever end them.
    const older = (await store.listDeployments(deployment.instanceId)).filter(
      (d) => d.id !== deployment.id && (d.state === 'pending' || d.state === 'running'),
    );
    for (const old of older) await store.updateDeployment(old.id, { state: 'cancelled', finishedAt: deps.now() });
    if (!instance || instance.archivedAt || instance.deletedAt) {
      await store.updateDeployment(deployment.id, { state: 'cancelled', finishedAt: deps.now() });
      return null;
    }
    const stale = (await store.listAppservers(instance.id)).filter((a) => unfinishedStates.includes(a.state));
    await store.updateDeployment(deployment.id, { state: 'running' });
    const appserver = await createAppserver({ ...deps, store }, instance, deployment, { queueProvisioning: false });
    // The launch (or its failure) follows at once in this job and is reported then: this report is its fallback.
    await reportChangeBeforeNext(store, instance.id, deps.now());
    return { stale, appserverIds: [appserver.id] };
  });
  if (!started) return;
  for (const appserver of started.stale) await cancelAppserver(deps, appserver.id, 'superseded by a newer deployment');
  for (const appserverId of started.appserverIds) await provisionAppserver(deps, appserverId);
}
