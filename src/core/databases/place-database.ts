import type { DatabaseKind, DatabaseServer } from './types';

/**
 * Picks the server of `kind` a new instance's databases go to: a random one
 * among those still in sandbox.yml that accept new instances (as the
 * predecessor did), or why there is none.
 */
export function pickDatabaseServer(
  servers: readonly DatabaseServer[],
  kind: DatabaseKind,
  random: () => number = Math.random,
): { ok: true; server: DatabaseServer } | { ok: false; reason: string } {
  const open = servers.filter((server) => server.kind === kind && server.configured && server.acceptsNew);
  if (open.length > 0) return { ok: true, server: open[Math.floor(random() * open.length)]! };
  const registered = servers.filter((server) => server.kind === kind && server.configured);
  return {
    ok: false,
    reason:
      registered.length === 0
        ? `no ${kind} server is registered; add one under databases.${kind} in sandbox.yml`
        : `no ${kind} server accepts new sandboxes (${registered.map((s) => s.name).join(', ')} have accepts_new: false)`,
  };
}
