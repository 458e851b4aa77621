import type { Instance } from '../model';
import type { DatabaseDeps } from './deps';
import type { InstanceDatabase } from './types';

export interface DropOutcome {
  /** One line per kind dropped: `mysql on mysql-1: dropped database pr42_app_k3f9_app, user pr42_app_k3f9`. */
  dropped: string[];
  /** One line per kind still on its server, with the reason (retried by reconcile). */
  left: string[];
}

/**
 * Drops every persistent database, user and vhost of a deleted instance. A
 * failure is recorded on its row (`dropError`) and reported as left; the
 * others go on. Rows already dropped are skipped, so it is safe to run again.
 */
export async function dropInstanceDatabases(
  deps: { databases: DatabaseDeps; now: () => Date },
  instance: Pick<Instance, 'id' | 'slug'>,
): Promise<DropOutcome> {
  const outcome: DropOutcome = { dropped: [], left: [] };
  for (const row of await deps.databases.records.listForInstance(instance.id)) {
    if (row.droppedAt) continue;
    const result = await dropRow(deps, row);
    (result.ok ? outcome.dropped : outcome.left).push(result.line);
  }
  return outcome;
}

/** Drops one row's databases and user; records the result on the row. */
export async function dropRow(
  deps: { databases: DatabaseDeps; now: () => Date },
  row: InstanceDatabase,
): Promise<{ ok: boolean; line: string }> {
  const { records, admins } = deps.databases;
  const server = await records.getServer(row.serverId);
  const what = `${row.names.map((n) => n.actual).join(', ')}, user ${row.username}`;
  const where = `${row.kind} on ${server?.name ?? `server ${row.serverId}`}`;
  try {
    if (!server) throw new Error('the server is no longer recorded');
    const result = await admins
      .adminFor(server)
      .drop({ user: row.username, password: row.password, names: row.names.map((n) => n.actual) });
    // The password has no use any more; the names stay as the record of what existed.
    await records.update(row.id, { droppedAt: deps.now(), dropAttemptedAt: deps.now(), dropError: null, password: '' });
    const absent = result.absent.length ? ` (already gone: ${result.absent.join(', ')})` : '';
    return { ok: true, line: `${where}: dropped ${result.dropped.join(', ') || 'nothing'}${absent}` };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await records.update(row.id, { dropAttemptedAt: deps.now(), dropError: reason });
    return { ok: false, line: `${where}: ${what} left (${reason}); reconcile retries` };
  }
}
