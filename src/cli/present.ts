import { statusOfInstance } from '../core/instance-status';
import type { Appserver, Host, Instance } from '../core/model';

/** The stable JSON shape of an appserver for `--json` (other tools rely on it). */
export function appserverJson(instance: Instance, appserver: Appserver, hosts: readonly Host[]) {
  return {
    slug: instance.slug,
    domain: instance.domain,
    number: appserver.number,
    state: appserver.state,
    active: instance.activeAppserverId === appserver.id,
    host: hosts.find((h) => h.id === appserver.hostId)?.name ?? null,
    port: appserver.port,
    commit: appserver.commitSha,
    failure_reason: appserver.failureReason,
  };
}

/** The stable JSON shape of an instance for `--json`. */
export function instanceJson(instance: Instance, appservers: readonly Appserver[] = []) {
  const active = appservers.find((a) => a.id === instance.activeAppserverId) ?? null;
  const latest = appservers.at(-1) ?? null;
  return {
    slug: instance.slug,
    domain: instance.domain,
    domains: [instance.domain, ...instance.extraDomains],
    kind: instance.kind,
    repository: instance.prRepo,
    ref: instance.ref,
    state: statusOfInstance(instance, appservers),
    active: active?.number ?? null,
    latest: latest?.number ?? null,
    archived: instance.archivedAt !== null,
  };
}

/** A plain text table: columns padded to the widest cell. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return (
    rows
      .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
      .join('\n') + '\n'
  );
}
