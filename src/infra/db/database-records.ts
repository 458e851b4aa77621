import { and, asc, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { databaseServers, databaseSnapshots, instanceDatabases, instances } from '../../../drizzle/schema';
import { SandboxError } from '../../core/errors';
import type { DatabaseRecords, DatabaseServer, NewDatabaseServer } from '../../core/databases/types';
import type { Db } from './database';

/** The DatabaseRecords port on PostgreSQL (drizzle). */
export function createDatabaseRecords(db: Db): DatabaseRecords {
  return {
    listServers: () => db.select().from(databaseServers).orderBy(asc(databaseServers.kind), asc(databaseServers.name)),
    async getServer(id) {
      return (await db.select().from(databaseServers).where(eq(databaseServers.id, id)))[0] ?? null;
    },
    listForInstance: (instanceId) =>
      db
        .select()
        .from(instanceDatabases)
        .where(eq(instanceDatabases.instanceId, instanceId))
        .orderBy(asc(instanceDatabases.kind)),
    async place(values) {
      await db
        .insert(instanceDatabases)
        .values(values)
        .onConflictDoNothing({ target: [instanceDatabases.instanceId, instanceDatabases.kind] });
      const row = (
        await db
          .select()
          .from(instanceDatabases)
          .where(and(eq(instanceDatabases.instanceId, values.instanceId), eq(instanceDatabases.kind, values.kind)))
      )[0];
      if (!row) throw new SandboxError('not_found', `databases of instance ${values.instanceId} not found`);
      return row;
    },
    async update(id, patch) {
      const row = (
        await db
          .update(instanceDatabases)
          .set({ ...patch, updatedAt: new Date() })
          .where(eq(instanceDatabases.id, id))
          .returning()
      )[0];
      if (!row) throw new SandboxError('not_found', `instance databases ${id} not found`);
      return row;
    },
    async listUndropped() {
      const rows = await db
        .select({ row: instanceDatabases })
        .from(instanceDatabases)
        .innerJoin(instances, eq(instances.id, instanceDatabases.instanceId))
        .where(and(isNotNull(instances.deletedAt), isNull(instanceDatabases.droppedAt)))
        .orderBy(asc(instanceDatabases.id));
      return rows.map((r) => r.row);
    },
    async countByServer() {
      const rows = await db
        .select({ serverId: instanceDatabases.serverId, count: sql<number>`count(*)::int` })
        .from(instanceDatabases)
        .where(isNull(instanceDatabases.droppedAt))
        .groupBy(instanceDatabases.serverId);
      return new Map(rows.map((r) => [r.serverId, r.count]));
    },
    async insertSnapshot(values) {
      return (await db.insert(databaseSnapshots).values(values).returning())[0]!;
    },
    listSnapshots: (instanceId) =>
      db
        .select()
        .from(databaseSnapshots)
        .where(eq(databaseSnapshots.instanceId, instanceId))
        .orderBy(desc(databaseSnapshots.id)),
    async getSnapshot(id) {
      return (await db.select().from(databaseSnapshots).where(eq(databaseSnapshots.id, id)))[0] ?? null;
    },
  };
}

/** Records the servers of sandbox.yml; servers no longer listed stay, marked `configured: false` (their instances still point at them). */
export async function syncDatabaseServers(
  db: Db,
  servers: readonly Omit<NewDatabaseServer, 'configured'>[],
): Promise<DatabaseServer[]> {
  await db.transaction(async (tx) => {
    await tx.update(databaseServers).set({ configured: false, updatedAt: new Date() });
    for (const server of servers) {
      await tx
        .insert(databaseServers)
        .values({ ...server, configured: true })
        .onConflictDoUpdate({
          target: [databaseServers.kind, databaseServers.name],
          set: { urlEnv: server.urlEnv, acceptsNew: server.acceptsNew, configured: true, updatedAt: new Date() },
        });
    }
  });
  return db.select().from(databaseServers).orderBy(asc(databaseServers.kind), asc(databaseServers.name));
}
