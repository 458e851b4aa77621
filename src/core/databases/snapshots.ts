import { join } from 'node:path';
import { SandboxError } from '../errors';
import type { Actor, Instance } from '../model';
import type { DatabaseDeps } from './deps';
import type { DatabaseSnapshot } from './types';

type Deps = { databases: DatabaseDeps; now: () => Date };

/**
 * Writes every persistent MySQL and MongoDB database of the instance to an
 * archive under `<snapshot dir>/<slug>/<timestamp>/` (mysqldump SQL, or a
 * mongodump archive) and records the snapshot. RabbitMQ holds no data worth
 * keeping across an upgrade and is left out.
 */
export async function snapshotDatabases(
  deps: Deps,
  instance: Instance,
  options: { actor: Actor; reason: string },
): Promise<DatabaseSnapshot> {
  const rows = (await deps.databases.records.listForInstance(instance.id)).filter(
    (row) => !row.droppedAt && row.kind !== 'rabbitmq',
  );
  if (rows.length === 0)
    throw new SandboxError('not_found', `${instance.slug} has no persistent databases to snapshot`);
  const dir = join(deps.databases.snapshotDir, instance.slug, deps.now().toISOString().replace(/[:.]/g, '-'));
  const files: DatabaseSnapshot['files'] = [];
  for (const row of rows) {
    const server = await deps.databases.records.getServer(row.serverId);
    if (!server)
      throw new SandboxError('database_unavailable', `${instance.slug}: its ${row.kind} server is no longer recorded`);
    const admin = deps.databases.admins.adminFor(server);
    if (!admin.dump)
      throw new SandboxError(
        'database_unavailable',
        `${instance.slug}: the ${server.name} server cannot be snapshotted`,
      );
    const kind = row.kind as 'mysql' | 'mongodb';
    for (const { actual } of row.names) {
      // mysqldump SQL for MySQL; a mongodump archive for MongoDB (`mongorestore --gzip --archive=FILE` reads it).
      const file = kind === 'mysql' ? `mysql-${actual}.sql.gz` : `mongodb-${actual}.archive.gz`;
      const bytes = await admin.dump(actual, join(dir, file));
      files.push({ kind, database: actual, file, bytes });
    }
  }
  return deps.databases.records.insertSnapshot({
    instanceId: instance.id,
    dir,
    files,
    reason: options.reason,
    requestedBy: `${options.actor.surface}:${options.actor.id}`,
  });
}

/** Loads a snapshot back into the instance's databases (the instance's own snapshots only). */
export async function restoreDatabases(deps: Deps, instance: Instance, snapshotId: number): Promise<DatabaseSnapshot> {
  const snapshot = await deps.databases.records.getSnapshot(snapshotId);
  if (!snapshot || snapshot.instanceId !== instance.id)
    throw new SandboxError(
      'not_found',
      `${instance.slug} has no snapshot ${snapshotId} (sbx db list ${instance.slug})`,
    );
  const rows = await deps.databases.records.listForInstance(instance.id);
  for (const file of snapshot.files) {
    const row = rows.find(
      (r) => r.kind === file.kind && !r.droppedAt && r.names.some((n) => n.actual === file.database),
    );
    if (!row)
      throw new SandboxError('conflict', `${instance.slug} no longer has the ${file.kind} database ${file.database}`);
    const server = await deps.databases.records.getServer(row.serverId);
    await deps.databases.admins.adminFor(server!).load!(file.database, join(snapshot.dir, file.file));
  }
  return snapshot;
}
