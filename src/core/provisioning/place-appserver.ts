import type { Host } from '../model';

export interface HostLoad {
  hostId: number;
  /** Ports held by live appservers on this host. */
  ports: number[];
  /** Ports some other program holds: skipped, but not counted against the host's capacity. */
  foreignPorts?: number[];
}

export type Placement = { ok: true; host: Host; port: number } | { ok: false; reason: string };

/**
 * Picks the least-loaded host that accepts new appservers and has capacity
 * left (ties: the lowest id, so placement is stable), and the lowest free
 * port of its range. Load counts our own appservers only: a port another
 * program holds is skipped without making the host look full. Pure: the
 * caller holds the lock that makes it safe.
 */
export function placeAppserver(hosts: readonly Host[], loads: readonly HostLoad[]): Placement {
  if (hosts.length === 0)
    return { ok: false, reason: 'no host is configured (compute.hosts in sandbox.yml, or `sbx hosts add`)' };
  const portsOf = (host: Host) => loads.find((load) => load.hostId === host.id)?.ports ?? [];
  const open = hosts.filter((host) => host.acceptsNew);
  if (open.length === 0)
    return {
      ok: false,
      reason: `every host is drained (${hosts.map((h) => h.name).join(', ')}); undrain one or add a host`,
    };
  const candidates = open
    .filter((host) => portsOf(host).length < host.capacity)
    .sort((a, b) => portsOf(a).length / a.capacity - portsOf(b).length / b.capacity || a.id - b.id);
  for (const host of candidates) {
    const used = new Set([...portsOf(host), ...(loads.find((load) => load.hostId === host.id)?.foreignPorts ?? [])]);
    for (let port = host.portRangeLow; port <= host.portRangeHigh; port += 1) {
      if (!used.has(port)) return { ok: true, host, port };
    }
  }
  return {
    ok: false,
    reason: `no capacity: all ${open.length} accepting host(s) are full (${open.map((h) => `${h.name} ${portsOf(h).length}/${h.capacity}`).join(', ')})`,
  };
}
