import { unterminatedStates } from '../appserver-state';
import { dropRow } from '../databases/drop-instance-databases';
import type { Host, Instance } from '../model';
import type { PooledMachine } from '../ports/machines';
import type { HostTransport } from '../ports/host-transport';
import type { ProvisioningDeps } from './deps';
import { listMarkedProcesses, orphanReason, stopProcesses } from './orphan-processes';
import { runnerName } from './work-files';

export type Drift =
  | { kind: 'orphan_directory'; host: string; path: string; why: string }
  | { kind: 'vanished_process'; host: string; slug: string; appserver: number; appserverId: number }
  | { kind: 'orphan_process'; host: string; appserverId: number; pids: number[]; why: string }
  | { kind: 'dangling_route'; slug: string }
  | { kind: 'missing_route'; slug: string; appserverId: number; instanceId: number }
  | { kind: 'unreachable_host'; host: string; error: string }
  | { kind: 'undropped_databases'; slug: string; rowId: number; what: string; error: string | null }
  | { kind: 'zombie_machine'; name: string; id: string; why: string }
  | { kind: 'firewall_rules'; changes: string[] };

const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const appserverDirPattern = /^appserver-(\d+)$/;

/**
 * Compares the database with what runs on the hosts (work directories,
 * processes) and with the load balancer's routes. Only directories the bot
 * itself names (`<slug>/appserver-<n>`) are ever considered.
 */
export async function findDrift(deps: ProvisioningDeps): Promise<Drift[]> {
  const drift: Drift[] = [];
  const instances = await deps.store.listInstances({ includeArchived: true, includeDeleted: true });
  const bySlug = new Map(instances.map((instance) => [instance.slug, instance]));
  const hosts = await deps.store.listHosts();
  for (const host of hosts) {
    // A VM host lives as long as its appserver: once that is terminated, the VM is deleted and nothing is left to look at.
    if (host.provider === 'openstack' && !(await hasUnterminatedAppserver(deps, host))) continue;
    try {
      drift.push(...(await hostDrift(deps, host, bySlug)));
    } catch (error) {
      drift.push({
        kind: 'unreachable_host',
        host: host.name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  if (deps.databases) {
    for (const row of await deps.databases.records.listUndropped()) {
      const instance = instances.find((i) => i.id === row.instanceId);
      drift.push({
        kind: 'undropped_databases',
        slug: instance?.slug ?? String(row.instanceId),
        rowId: row.id,
        what: `${row.kind} ${row.names.map((n) => n.actual).join(', ')}, user ${row.username}`,
        error: row.dropError,
      });
    }
  }
  if (deps.machines) {
    try {
      drift.push(...(await machineDrift(deps)));
    } catch (error) {
      drift.push({
        kind: 'unreachable_host',
        host: 'openstack',
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  const routed = new Set(await deps.lb.listRoutes());
  for (const slug of routed) {
    const instance = bySlug.get(slug);
    if (!instance || instance.archivedAt || instance.deletedAt || instance.activeAppserverId === null)
      drift.push({ kind: 'dangling_route', slug });
  }
  if (deps.lb.kind !== 'builtin') {
    for (const instance of instances) {
      if (instance.activeAppserverId !== null && !instance.archivedAt && !routed.has(instance.slug)) {
        drift.push({
          kind: 'missing_route',
          slug: instance.slug,
          appserverId: instance.activeAppserverId,
          instanceId: instance.id,
        });
      }
    }
  }
  return drift;
}

async function hostDrift(
  deps: ProvisioningDeps,
  host: Host,
  bySlug: Map<string, Pick<Instance, 'id' | 'deletedAt' | 'sleepingSince' | 'activeAppserverId'>>,
): Promise<Drift[]> {
  const drift: Drift[] = [];
  const transport = deps.hosts.transportFor(host);
  const root = host.workRoot.replace(/\/+$/, '');
  for (const slug of (await transport.listDir(root)).filter((name) => slugPattern.test(name))) {
    const instance = bySlug.get(slug);
    if (!instance || instance.deletedAt) {
      drift.push({
        kind: 'orphan_directory',
        host: host.name,
        path: `${root}/${slug}`,
        why: instance ? 'the sandbox was deleted' : 'no sandbox has this slug',
      });
      continue;
    }
    const appservers = await deps.store.listAppservers(instance.id);
    for (const name of await transport.listDir(`${root}/${slug}`)) {
      const match = appserverDirPattern.exec(name);
      if (!match) continue;
      const appserver = appservers.find((a) => a.number === Number(match[1]) && a.hostId === host.id);
      if (!appserver || appserver.state === 'terminated') {
        drift.push({
          kind: 'orphan_directory',
          host: host.name,
          path: `${root}/${slug}/${name}`,
          why: appserver ? 'its appserver was terminated' : 'no appserver of this number on this host',
        });
      }
    }
    // A sleeping sandbox's active appserver is stopped on purpose (sleep_after), not vanished.
    const asleep = (id: number) => instance.sleepingSince !== null && instance.activeAppserverId === id;
    for (const appserver of appservers.filter(
      (a) => a.state === 'running' && a.hostId === host.id && a.workDir && !asleep(a.id),
    )) {
      const status = await transport.exec(['bash', `${appserver.workDir}/${runnerName}`, 'status'], {
        timeoutMs: 15_000,
      });
      if (!status.stdout.includes('service.pid alive')) {
        drift.push({
          kind: 'vanished_process',
          host: host.name,
          slug,
          appserver: appserver.number,
          appserverId: appserver.id,
        });
      }
    }
  }
  drift.push(...(await orphanProcesses(deps, host, transport)));
  return drift;
}

/** Processes marked with an appserver id that no appserver row on this host owns (its row is gone or terminated). */
async function orphanProcesses(deps: ProvisioningDeps, host: Host, transport: HostTransport): Promise<Drift[]> {
  const byAppserver = new Map<number, number[]>();
  for (const marked of await listMarkedProcesses(transport, host))
    byAppserver.set(marked.appserverId, [...(byAppserver.get(marked.appserverId) ?? []), marked.pid]);
  const drift: Drift[] = [];
  for (const [appserverId, pids] of byAppserver) {
    const why = orphanReason(await deps.store.getAppserver(appserverId), host);
    if (why)
      drift.push({ kind: 'orphan_process', host: host.name, appserverId, pids: pids.sort((a, b) => a - b), why });
  }
  return drift;
}

/** Heals the drift: removes orphans, marks vanished appservers failed, fixes routes. */
export async function healDrift(deps: ProvisioningDeps, drift: readonly Drift[]): Promise<void> {
  const hosts = await deps.store.listHosts();
  for (const item of drift) {
    if (item.kind === 'orphan_directory') {
      const host = hosts.find((h) => h.name === item.host);
      if (!host) continue;
      const transport = deps.hosts.transportFor(host);
      if ((await transport.fileSize(`${item.path}/${runnerName}`)) !== null)
        await transport.exec(['bash', `${item.path}/${runnerName}`, 'cancel'], { timeoutMs: 30_000 });
      await transport.remove(item.path);
    } else if (item.kind === 'vanished_process') {
      const appserver = await deps.store.getAppserver(item.appserverId);
      const instance = appserver ? await deps.store.getInstance(appserver.instanceId) : null;
      if (instance?.sleepingSince && instance.activeAppserverId === appserver?.id) continue;
      if (appserver)
        await deps.store.transitionAppserver(appserver.id, 'running', 'failed', {
          failureReason: 'its service process vanished from the host',
          finishedAt: deps.now(),
        });
    } else if (item.kind === 'orphan_process') {
      const host = hosts.find((h) => h.name === item.host);
      if (!host) continue;
      // Looked at again: a row may have claimed the id since (never stop what an appserver owns).
      if (!orphanReason(await deps.store.getAppserver(item.appserverId), host)) continue;
      await stopProcesses(deps.hosts.transportFor(host), item.pids);
    } else if (item.kind === 'zombie_machine' && deps.machines) {
      // Looked at again: an appserver may have claimed the name since (never delete a VM an appserver owns).
      const machine = (await deps.machines.list()).find((m) => m.id === item.id);
      if (!machine || !(await zombieReason(deps, machine))) continue;
      await deps.machines.remove(machine);
    } else if (item.kind === 'firewall_rules' && deps.machines) {
      await deps.machines.firewall(true);
    } else if (item.kind === 'dangling_route') {
      await deps.lb.remove(item.slug);
    } else if (item.kind === 'missing_route') {
      // Not applied from here, nor by activating the appserver found active: an activation may run on the
      // sandbox's queue meanwhile, and a route written from what was read before it would undo it. Queued
      // behind it, the route is applied only if that appserver is still the active one (the waking page if
      // the sandbox sleeps). No jobKey: it must not replace the pending settle of a newer activation.
      await deps.store.enqueue('settle_route', { appserverId: item.appserverId }, { instanceId: item.instanceId });
    } else if (item.kind === 'undropped_databases' && deps.databases) {
      const row = (await deps.databases.records.listUndropped()).find((r) => r.id === item.rowId);
      if (!row) continue;
      const result = await dropRow({ databases: deps.databases, now: deps.now }, row);
      await deps.store.recordAudit({
        actor: 'system',
        surface: 'system',
        action: 'drop-databases',
        instanceId: row.instanceId,
        instanceSlug: item.slug,
        result: result.ok ? 'ok' : 'error',
        detail: result.ok ? { dropped: [result.line] } : { left: [result.line] },
      });
      if (!result.ok) continue;
    }
    deps.logger.info({ drift: item }, 'reconcile healed drift');
  }
}

export function describeDrift(item: Drift): string {
  switch (item.kind) {
    case 'orphan_directory':
      return `orphan directory ${item.host}:${item.path} (${item.why}) → remove`;
    case 'vanished_process':
      return `appserver ${item.appserver} of ${item.slug} on ${item.host}: service process vanished → mark failed`;
    case 'orphan_process':
      return `process${item.pids.length === 1 ? '' : 'es'} ${item.pids.join(', ')} on ${item.host} marked as appserver id ${item.appserverId} (${item.why}) → stop`;
    case 'dangling_route':
      return `route for ${item.slug} points nowhere → remove`;
    case 'missing_route':
      return `${item.slug} has an active appserver but no route → route it again (to the waking page if it sleeps)`;
    case 'unreachable_host':
      return `host ${item.host} unreachable: ${item.error}`;
    case 'zombie_machine':
      return `VM ${item.name} (${item.id}) has the bot's name prefix but ${item.why} → delete`;
    case 'firewall_rules':
      return `the bot's security group differs from sandbox.yml: ${item.changes.join('; ')} → restore`;
    case 'undropped_databases':
      return `${item.slug} was deleted but its ${item.what} are still there${item.error ? ` (${item.error})` : ''} → drop again`;
  }
}

async function hasUnterminatedAppserver(deps: ProvisioningDeps, host: Host): Promise<boolean> {
  const live = await deps.store.listAppserversInStates(unterminatedStates);
  return live.some((appserver) => appserver.hostId === host.id);
}

/** Why a VM with the bot's prefix belongs to nobody (the predecessor's kill_zombies); null: an appserver owns it. */
async function zombieReason(deps: ProvisioningDeps, machine: PooledMachine): Promise<string | null> {
  if (machine.appserverId === null) return 'its name is not one the bot gives';
  const appserver = await deps.store.getAppserver(machine.appserverId);
  if (!appserver) return `no appserver has id ${machine.appserverId}`;
  if (appserver.state === 'terminated') return `appserver ${machine.appserverId} was terminated`;
  return null;
}

/** VMs no appserver owns, and the bot's security group rules that differ from the configuration. */
async function machineDrift(deps: ProvisioningDeps): Promise<Drift[]> {
  const machines = deps.machines!;
  const drift: Drift[] = [];
  for (const machine of await machines.list()) {
    const why = await zombieReason(deps, machine);
    if (why) drift.push({ kind: 'zombie_machine', name: machine.name, id: machine.id, why });
  }
  const changes = await machines.firewall(false);
  if (changes.length > 0) drift.push({ kind: 'firewall_rules', changes });
  return drift;
}
