import { liveStates } from '../appserver-state';
import { isSandboxError } from '../errors';
import type { Appserver } from '../model';
import { appserverConfig } from './create-appserver';
import type { ProvisioningDeps } from './deps';
import { failAppserver } from './fail-appserver';
import { placeAppserver, type HostLoad } from './place-appserver';
import { placeOnMachine } from './place-on-machine';
import { prepareDatabases } from './prepare-databases';
import { reportChange } from './report-change';
import { renderWorkFiles, runnerName, sandboxEnv } from './work-files';

export const workDirOf = (workRoot: string, slug: string, number: number): string =>
  `${workRoot.replace(/\/+$/, '')}/${slug}/appserver-${number}`;

/**
 * new → waiting: picks a host and port; waiting → configuring: writes the
 * work directory over the host transport and launches the deploy detached.
 * No host → `error`; an unreachable host → `error` with the reason. Safe to
 * run again after a crash at any point: a waiting appserver is launched anew.
 */
export async function provisionAppserver(deps: ProvisioningDeps, appserverId: number): Promise<void> {
  const placed = await deps.store.transaction(async (store) => {
    const appserver = await store.getAppserver(appserverId);
    if (!appserver) return null;
    // Placed already, but the job stopped before the launch was recorded (a crash): launch again.
    if (appserver.state === 'waiting' && appserver.hostId !== null && appserver.workDir) return { appserver };
    if (appserver.state !== 'new') return null;
    // A VM of its own: booted below, outside the transaction (it takes minutes).
    if (deps.machines) return { appserver, boot: true as const };
    await store.lockPlacement();
    const hosts = await store.listHosts();
    const live = await store.listAppserversInStates(liveStates);
    const loads: HostLoad[] = hosts.map((host) => ({
      hostId: host.id,
      ports: live.filter((a) => a.hostId === host.id && a.port !== null).map((a) => a.port!),
      foreignPorts: [],
    }));
    // A port some other program holds is skipped (the database only knows our own appservers); it does not count as load.
    let placement = placeAppserver(hosts, loads);
    for (
      let tries = 0;
      placement.ok && tries < 100 && (await deps.portTaken(placement.host.address, placement.port));
      tries += 1
    ) {
      const hostId = placement.host.id;
      loads.find((load) => load.hostId === hostId)?.foreignPorts?.push(placement.port);
      placement = placeAppserver(hosts, loads);
    }
    if (!placement.ok) return { appserver, reason: placement.reason };
    const slug = appserverConfig(appserver).slug;
    return {
      appserver: await store.transitionAppserver(appserver.id, 'new', 'waiting', {
        hostId: placement.host.id,
        port: placement.port,
        workDir: workDirOf(placement.host.workRoot, slug, appserver.number),
      }),
    };
  });
  if (!placed || !placed.appserver) return;
  if ('reason' in placed) {
    await failAppserver(deps, placed.appserver, 'error', `could not get a host: ${placed.reason}`);
    return;
  }
  let appserver = placed.appserver;
  if ('boot' in placed && deps.machines) {
    const onMachine = await placeOnMachine({ ...deps, machines: deps.machines }, appserver);
    if (!onMachine) return;
    if (!onMachine.ok) {
      await failAppserver(deps, onMachine.appserver, 'error', onMachine.reason);
      return;
    }
    appserver = onMachine.appserver;
  }
  try {
    await launchDeploy(deps, appserver);
  } catch (error) {
    const current = await deps.store.getAppserver(appserver.id);
    if (current?.state !== 'waiting') return;
    const reason = isSandboxError(error)
      ? error.message
      : `preparing the host failed: ${error instanceof Error ? error.message : String(error)}`;
    await failAppserver(deps, current, 'error', reason);
    return;
  }
  const configuring = await deps.store.transitionAppserver(appserver.id, 'waiting', 'configuring', {
    configuringAt: deps.now(),
  });
  if (configuring)
    await deps.store.enqueue(
      'follow_appserver',
      { appserverId: appserver.id },
      { ...followOptions(deps, appserver.id), runAt: deps.now() },
    );
  await reportChange(deps.store, appserver.instanceId, deps.now());
}

export const followOptions = (deps: ProvisioningDeps, appserverId: number) => ({
  queueName: `appserver:${appserverId}`,
  jobKey: `follow:${appserverId}`,
  runAt: new Date(deps.now().getTime() + deps.followIntervalMs),
});

async function launchDeploy(deps: ProvisioningDeps, appserver: Appserver): Promise<void> {
  const config = appserverConfig(appserver);
  const workDir = appserver.workDir!;
  // Persistent databases exist before the deploy starts; their facts reach the recipe through sandbox.env and vars.yml.
  // The host is read meanwhile (a plain read: one round trip's wait, not two; handled now, in case the databases fail first).
  const hostRead = deps.store.getHost(appserver.hostId!);
  hostRead.catch(() => undefined);
  const databases = await prepareDatabases(deps, appserver, config);
  const host = (await hostRead)!;
  const transport = deps.hosts.transportFor(host);
  const env = {
    ...sandboxEnv(config, { id: appserver.id, number: appserver.number, port: appserver.port!, workDir }),
    ...databases.env,
  };
  // A work directory already there is a launch before a crash (or a leftover): whatever it started is stopped
  // first, so a retry never runs two deploys, and it is emptied. Usually there is none: one look, no removal.
  if ((await transport.fileSize(workDir)) !== null) {
    if ((await transport.fileSize(`${workDir}/${runnerName}`)) !== null)
      await transport.exec(['bash', `${workDir}/${runnerName}`, 'cancel'], { cwd: workDir, timeoutMs: 30_000 });
    await transport.remove(workDir);
  }
  // The init phase runs once per data set: until a deploy completed it (persistent databases created anew reset it).
  const init = Boolean(config.phases.init) && !(await deps.store.getInstance(appserver.instanceId))?.initializedAt;
  const files = renderWorkFiles({ ...config, settings: { ...config.settings, ...databases.vars } }, env, { init });
  // The runner appends to deploy.log: the database lines open it.
  if (databases.log.length > 0)
    files.push({ name: 'deploy.log', content: databases.log.map((line) => `${line}\n`).join(''), mode: 0o600 });
  // The first write makes the directory (and claims it for the sandbox's user); the others then go at once:
  // one round trip's wait (an SFTP request, or a process as the sandbox user) instead of one per file.
  const write = (file: (typeof files)[number]) =>
    transport.writeFile(`${workDir}/${file.name}`, file.content, file.mode);
  const [first, ...rest] = files;
  if (first) await write(first);
  await Promise.all(rest.map(write));
  const result = await transport.exec(['setsid', '--fork', 'bash', `${workDir}/${runnerName}`, 'deploy'], {
    cwd: workDir,
    timeoutMs: 30_000,
  });
  if (result.code !== 0)
    throw new Error(
      `launching the deploy on ${host.name} failed (exit ${result.code}): ${result.stderr.trim().slice(-500)}`,
    );
  deps.logger.info({ appserver: appserver.id, host: host.name, port: appserver.port }, 'deploy launched');
}
