import type { Command } from 'commander';
import { restoreDatabases, snapshotDatabases } from '../../core/databases/snapshots';
import { SandboxError } from '../../core/errors';
import { resolveInstance } from '../../core/operations/resolve-instance';
import type { CliContext } from '../context';
import { table } from '../present';
import { withRuntime, writeJson, type CliRuntime } from '../runtime';

/** `sbx db list|snapshot|restore`: an instance's persistent databases and their snapshots. */
export function registerDb(program: Command, ctx: CliContext): void {
  const db = program.command('db').description('persistent databases of a sandbox: list, snapshot, restore');
  const databases = (runtime: CliRuntime) => {
    if (!runtime.provisioning.databases)
      throw new SandboxError('config_invalid', 'persistent databases are not wired in this bot');
    return { databases: runtime.provisioning.databases, now: () => new Date() };
  };

  db.command('list <instance>')
    .description('the sandbox’s databases (passwords never shown) and snapshots')
    .option('--json', 'print one JSON object')
    .action(async (reference: string, options: { json?: boolean }) => {
      await withRuntime(ctx, async (runtime) => {
        const deps = databases(runtime);
        const instance = await resolveInstance(runtime.provisioning.store, reference);
        const servers = await deps.databases.records.listServers();
        const rows = (await deps.databases.records.listForInstance(instance.id)).map((row) => ({
          kind: row.kind,
          server: servers.find((s) => s.id === row.serverId)?.name ?? null,
          user: row.username,
          names: row.names.map((n) => n.actual),
          state: row.droppedAt
            ? 'dropped'
            : row.dropError
              ? `left: ${row.dropError}`
              : row.provisionedAt
                ? 'created'
                : 'placed',
        }));
        const snapshots = (await deps.databases.records.listSnapshots(instance.id)).map((s) => ({
          id: s.id,
          at: s.createdAt.toISOString(),
          reason: s.reason,
          by: s.requestedBy,
          files: s.files.length,
          bytes: s.files.reduce((n, f) => n + f.bytes, 0),
          dir: s.dir,
        }));
        if (options.json) return writeJson(ctx, { slug: instance.slug, databases: rows, snapshots });
        ctx.stdout.write(
          rows.length === 0
            ? `${instance.slug} has no persistent databases\n`
            : table([
                ['KIND', 'SERVER', 'USER', 'NAMES', 'STATE'],
                ...rows.map((r) => [r.kind, r.server ?? '?', r.user, r.names.join(','), r.state]),
              ]),
        );
        if (snapshots.length > 0)
          ctx.stdout.write(
            table([
              ['SNAPSHOT', 'AT', 'REASON', 'BY', 'FILES', 'BYTES'],
              ...snapshots.map((s) => [String(s.id), s.at, s.reason, s.by, String(s.files), String(s.bytes)]),
            ]),
          );
      });
    });

  db.command('snapshot <instance>')
    .description('archive the sandbox’s MySQL databases (mysqldump) under the snapshot directory')
    .option('--json', 'print one JSON object')
    .action(async (reference: string, options: { json?: boolean }) => {
      await withRuntime(ctx, async (runtime) => {
        const instance = await resolveInstance(runtime.provisioning.store, reference);
        const snapshot = await snapshotDatabases(databases(runtime), instance, {
          actor: runtime.actor,
          reason: 'manual',
        });
        await runtime.provisioning.store.recordAudit({
          actor: runtime.actor.id,
          surface: runtime.actor.surface,
          action: 'db-snapshot',
          instanceId: instance.id,
          instanceSlug: instance.slug,
          result: 'ok',
          detail: { snapshot: snapshot.id, files: snapshot.files.map((f) => f.file) },
        });
        if (options.json) return writeJson(ctx, { snapshot: snapshot.id, dir: snapshot.dir, files: snapshot.files });
        ctx.stdout.write(
          `snapshot ${snapshot.id} of ${instance.slug}: ${snapshot.files.map((f) => `${f.database} (${f.bytes} bytes)`).join(', ')} in ${snapshot.dir}\nrestore it with: npx sbx db restore ${instance.slug} ${snapshot.id}\n`,
        );
      });
    });

  db.command('restore <instance> <snapshot>')
    .description('load a snapshot back into the sandbox’s databases (replaces their tables)')
    .action(async (reference: string, snapshotId: string) => {
      await withRuntime(ctx, async (runtime) => {
        const instance = await resolveInstance(runtime.provisioning.store, reference);
        if (!/^\d+$/.test(snapshotId))
          throw new SandboxError(
            'usage',
            `snapshot must be a number from sbx db list ${instance.slug}, not ${snapshotId}`,
          );
        const snapshot = await restoreDatabases(databases(runtime), instance, Number(snapshotId));
        await runtime.provisioning.store.recordAudit({
          actor: runtime.actor.id,
          surface: runtime.actor.surface,
          action: 'db-restore',
          instanceId: instance.id,
          instanceSlug: instance.slug,
          result: 'ok',
          detail: { snapshot: snapshot.id },
        });
        ctx.stdout.write(
          `restored snapshot ${snapshot.id} into ${instance.slug}: ${snapshot.files.map((f) => f.database).join(', ')}\n`,
        );
      });
    });
}
