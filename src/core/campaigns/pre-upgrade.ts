import type { DatabaseDeps } from '../databases/deps';
import { SandboxError } from '../errors';
import type { Instance } from '../model';

/**
 * Runs a campaign's `--pre-upgrade` statements on every persistent MySQL
 * database of the instance, in order; returns the databases it ran on. A
 * failing statement throws (the item fails, never silently); an instance
 * without persistent MySQL databases is refused, since the SQL was meant for it.
 */
export async function runPreUpgrade(
  databases: DatabaseDeps | undefined,
  instance: Instance,
  statements: readonly string[],
): Promise<string[]> {
  const rows = databases
    ? (await databases.records.listForInstance(instance.id)).filter((row) => row.kind === 'mysql' && !row.droppedAt)
    : [];
  if (!databases || rows.length === 0)
    throw new SandboxError('not_found', `${instance.slug} has no persistent MySQL databases to run --pre-upgrade on`);
  const done: string[] = [];
  for (const row of rows) {
    const server = await databases.records.getServer(row.serverId);
    if (!server)
      throw new SandboxError('database_unavailable', `${instance.slug}: its mysql server is no longer recorded`);
    const admin = databases.admins.adminFor(server);
    if (!admin.execute)
      throw new SandboxError('database_unavailable', `${instance.slug}: the ${server.name} server cannot run SQL`);
    for (const { actual } of row.names) {
      await admin.execute(actual, statements);
      done.push(actual);
    }
  }
  return done;
}
