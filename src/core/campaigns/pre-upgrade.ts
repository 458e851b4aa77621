import type { DatabaseDeps } from '../databases/deps';
import { SandboxError } from '../errors';
import type { Instance } from '../model';

/** What `--pre-upgrade` did on each database: ran now, or had run already (a tick repeated after a crash). */
export interface PreUpgradeRun {
  database: string;
  result: 'ran' | 'already_done';
}

/**
 * Runs a campaign's `--pre-upgrade` statements on every persistent MySQL
 * database of the instance, in order. `runKey` names this run (campaign and
 * item): the server records it in the same transaction as the statements,
 * so a tick repeated after a crash between running them and recording the
 * item never runs them twice. A failing statement throws (the item fails,
 * never silently); an instance without persistent MySQL databases is
 * refused, since the SQL was meant for it.
 */
export async function runPreUpgrade(
  databases: DatabaseDeps | undefined,
  instance: Instance,
  statements: readonly string[],
  runKey: string,
): Promise<PreUpgradeRun[]> {
  const rows = databases
    ? (await databases.records.listForInstance(instance.id)).filter((row) => row.kind === 'mysql' && !row.droppedAt)
    : [];
  if (!databases || rows.length === 0)
    throw new SandboxError('not_found', `${instance.slug} has no persistent MySQL databases to run --pre-upgrade on`);
  const done: PreUpgradeRun[] = [];
  for (const row of rows) {
    const server = await databases.records.getServer(row.serverId);
    if (!server)
      throw new SandboxError('database_unavailable', `${instance.slug}: its mysql server is no longer recorded`);
    const admin = databases.admins.adminFor(server);
    if (!admin.execute)
      throw new SandboxError('database_unavailable', `${instance.slug}: the ${server.name} server cannot run SQL`);
    for (const { actual } of row.names) {
      const result = await admin.execute(actual, statements, `${runKey}:${actual}`);
      done.push({ database: actual, result });
    }
  }
  return done;
}
