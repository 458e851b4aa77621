import { liveStates } from '../appserver-state';
import { isSandboxError } from '../errors';
import type { Appserver } from '../model';
import type { MachinePool } from '../ports/machines';
import { appserverConfig } from './create-appserver';
import type { ProvisioningDeps } from './deps';

export type MachinePlacement = { ok: true; appserver: Appserver } | { ok: false; appserver: Appserver; reason: string };

/**
 * new → waiting on a machine of its own (compute.provider openstack): boots
 * the VM, records it as a host (capacity 1, never picked by placement) and
 * takes the first free port of its range. The boot runs outside any
 * transaction; an appserver cancelled meanwhile gets its VM deleted at once.
 * Null when the appserver is not `new` (another job placed it).
 */
export async function placeOnMachine(
  deps: ProvisioningDeps & { machines: MachinePool },
  appserver: Appserver,
): Promise<MachinePlacement | null> {
  const config = appserverConfig(appserver);
  let machine;
  try {
    machine = await deps.machines.acquire({
      appserverId: appserver.id,
      slug: config.slug,
      repository: config.repository ?? null,
      settings: config.settings,
    });
  } catch (error) {
    const reason = isSandboxError(error) ? error.message : error instanceof Error ? error.message : String(error);
    return { ok: false, appserver, reason: `could not get a VM: ${reason}` };
  }
  const host = await deps.store.upsertHost({
    name: machine.name,
    provider: 'openstack',
    address: machine.address,
    port: machine.port,
    user: machine.user,
    capacity: 1,
    portRangeLow: machine.portRangeLow,
    portRangeHigh: machine.portRangeHigh,
    workRoot: machine.workRoot,
    labels: [`flavor:${machine.size}`],
    privateKeyPath: machine.privateKeyPath,
    privateKeyEnv: machine.privateKeyEnv,
    hostKeyFingerprint: machine.hostKeyFingerprint,
    knownHosts: null,
    acceptsNew: false,
    fromConfig: false,
  });
  // Each VM has its ports to itself; a shared address (ssh_override in tests) shares them with other VMs.
  const sameAddress = new Set(
    (await deps.store.listHosts()).filter((h) => h.address === host.address).map((h) => h.id),
  );
  const held = new Set(
    (await deps.store.listAppserversInStates(liveStates))
      .filter((a) => a.hostId !== null && sameAddress.has(a.hostId) && a.port !== null)
      .map((a) => a.port!),
  );
  let port = host.portRangeLow;
  while (port <= host.portRangeHigh && (held.has(port) || (await deps.portTaken(host.address, port)))) port += 1;
  if (port > host.portRangeHigh) {
    await deps.machines.release(machine.name);
    return {
      ok: false,
      appserver,
      reason: `VM ${machine.name}: every port of ${host.portRangeLow}-${host.portRangeHigh} is taken`,
    };
  }
  const waiting = await deps.store.transitionAppserver(appserver.id, 'new', 'waiting', {
    hostId: host.id,
    port,
    workDir: `${host.workRoot.replace(/\/+$/, '')}/${config.slug}/appserver-${appserver.number}`,
  });
  if (!waiting) {
    // Cancelled or terminated while the VM booted: nobody will use it.
    await deps.machines.release(machine.name);
    return null;
  }
  deps.logger.info(
    { appserver: appserver.id, machine: machine.name, size: machine.size },
    'appserver placed on its VM',
  );
  return { ok: true, appserver: waiting };
}
