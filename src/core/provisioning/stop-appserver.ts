import { unfinishedStates } from '../appserver-state';
import type { Appserver } from '../model';
import type { HostTransport } from '../ports/host-transport';
import type { ProvisioningDeps } from './deps';
import { runnerName } from './work-files';
import { reportChange } from './report-change';

/** Stops the service of an appserver (recipe stop phase, then its process group). */
export async function stopService(
  deps: ProvisioningDeps,
  appserver: Appserver,
  transport?: HostTransport,
): Promise<void> {
  if (!appserver.workDir || appserver.hostId === null) return;
  const host = await deps.store.getHost(appserver.hostId);
  if (!host) return;
  const t = transport ?? deps.hosts.transportFor(host);
  if ((await t.fileSize(`${appserver.workDir}/${runnerName}`)) === null) return;
  await t.exec(['bash', `${appserver.workDir}/${runnerName}`, 'stop'], { cwd: appserver.workDir, timeoutMs: 60_000 });
}

/**
 * Cancels an unfinished appserver: `cancelled` and its termination queued in
 * one transaction, then its remote deploy's process group is killed. A host
 * (or VM) that does not answer cannot keep the appserver from being
 * terminated: the termination kills the deploy again, removes what is left
 * and deletes its VM, retrying while a host it needs is away.
 */
export async function cancelAppserver(deps: ProvisioningDeps, appserverId: number, reason: string): Promise<boolean> {
  const appserver = await deps.store.getAppserver(appserverId);
  if (!appserver || !unfinishedStates.includes(appserver.state)) return false;
  const cancelled = await deps.store.transaction(async (store) => {
    const moved = await store.transitionAppserver(appserver.id, appserver.state, 'cancelled', {
      failureReason: reason,
      finishedAt: deps.now(),
    });
    if (moved) await store.enqueue('terminate_appserver', { appserverId }, { instanceId: appserver.instanceId });
    return moved;
  });
  if (!cancelled) return false;
  await reportChange(deps.store, appserver.instanceId, deps.now());
  await killRemote(deps, appserver, 'cancel').catch((error: unknown) =>
    deps.logger.warn(
      { appserver: appserver.id, err: error },
      'killing the cancelled deploy failed; its termination (queued) tries again',
    ),
  );
  return true;
}

/** Cancels every unfinished appserver and deployment of an instance. */
export async function cancelInstance(deps: ProvisioningDeps, instanceId: number): Promise<number> {
  for (const deployment of await deps.store.listDeployments(instanceId)) {
    if (deployment.state === 'pending' || deployment.state === 'running')
      await deps.store.updateDeployment(deployment.id, { state: 'cancelled', finishedAt: deps.now() });
  }
  let count = 0;
  for (const appserver of await deps.store.listAppservers(instanceId)) {
    if (await cancelAppserver(deps, appserver.id, 'cancelled on request')) count += 1;
  }
  return count;
}

/**
 * Terminates an appserver: kills its deploy and service, runs the stop phase,
 * removes its work directory (the instance's data directory stays). The
 * active appserver is never terminated here. A host that cannot be reached
 * makes this throw, so the job is retried later.
 */
export async function terminateAppserver(deps: ProvisioningDeps, appserverId: number): Promise<void> {
  const appserver = await deps.store.getAppserver(appserverId);
  if (!appserver || appserver.state === 'terminated') return;
  const instance = await deps.store.getInstance(appserver.instanceId);
  if (instance?.activeAppserverId === appserver.id) return;
  if (unfinishedStates.includes(appserver.state)) {
    await cancelAppserver(deps, appserver.id, 'terminated');
    return;
  }
  if (appserver.hostId !== null && appserver.workDir) {
    const host = await deps.store.getHost(appserver.hostId);
    if (host) {
      const cleanUp = async () => {
        const transport = deps.hosts.transportFor(host);
        await stopService(deps, appserver, transport);
        await killRemote(deps, appserver, 'cancel');
        await transport.remove(appserver.workDir!);
      };
      if (host.provider !== 'openstack' || !deps.machines) await cleanUp();
      else
        // The VM is deleted next with everything on it: a VM that no longer answers must not keep it alive.
        await cleanUp().catch((error: unknown) =>
          deps.logger.warn({ appserver: appserver.id, host: host.name, error: String(error) }, 'stop phase skipped'),
        );
    }
  }
  await releaseMachine(deps, appserver);
  await deps.store.transitionAppserver(appserver.id, appserver.state, 'terminated', { terminatedAt: deps.now() });
  await reportChange(deps.store, appserver.instanceId, deps.now());
}

async function killRemote(deps: ProvisioningDeps, appserver: Appserver, phase: 'cancel'): Promise<void> {
  if (appserver.hostId === null || !appserver.workDir) return;
  const host = await deps.store.getHost(appserver.hostId);
  if (!host) return;
  const transport = deps.hosts.transportFor(host);
  if ((await transport.fileSize(`${appserver.workDir}/${runnerName}`)) === null) return;
  await transport.exec(['bash', `${appserver.workDir}/${runnerName}`, phase], {
    cwd: appserver.workDir,
    timeoutMs: 30_000,
  });
}

/**
 * Deletes the VM an appserver had to itself (compute.provider openstack),
 * waiting until it is gone; a failure throws, so the job is retried and the
 * appserver stays until its VM is really deleted.
 */
async function releaseMachine(deps: ProvisioningDeps, appserver: Appserver): Promise<void> {
  if (!deps.machines || appserver.hostId === null) return;
  const host = await deps.store.getHost(appserver.hostId);
  if (host?.provider !== 'openstack') return;
  await deps.machines.release(host.name);
}
