import { and, eq, sql } from 'drizzle-orm';
import { runtimeLogChunks, runtimeLogs } from '../../../drizzle/schema';
import type { RuntimeLogState, RuntimeLogStore } from '../../core/ports/runtime-log';
import type { Db } from './database';
import { readLogChunks } from './read-log-chunks';

const stateOf = (row: { startOffset: number; offset: number; droppedBytes: number }): RuntimeLogState => ({
  startOffset: row.startOffset,
  offset: row.offset,
  droppedBytes: row.droppedBytes,
});

/** The log's offset moved from `offset` to `nextOffset` (compare and set); undefined when another writer moved it first. */
async function moveOffset(
  tx: Parameters<Parameters<Db['transaction']>[0]>[0],
  appserverId: number,
  offset: number,
  nextOffset: number,
) {
  const [moved] = await tx
    .update(runtimeLogs)
    .set({ offset: nextOffset, updatedAt: new Date() })
    .where(and(eq(runtimeLogs.appserverId, appserverId), eq(runtimeLogs.offset, offset)))
    .returning();
  return moved;
}

/** Runtime logs in PostgreSQL: one position row per appserver and its chunks, capped per appserver. */
export function createRuntimeLogStore(db: Db): RuntimeLogStore {
  return {
    async state(appserverId) {
      const [row] = await db.select().from(runtimeLogs).where(eq(runtimeLogs.appserverId, appserverId));
      return row ? stateOf(row) : null;
    },
    async start(appserverId, startOffset) {
      await db
        .insert(runtimeLogs)
        .values({ appserverId, startOffset, offset: startOffset })
        .onConflictDoNothing({ target: runtimeLogs.appserverId });
      const [row] = await db.select().from(runtimeLogs).where(eq(runtimeLogs.appserverId, appserverId));
      return stateOf(row!);
    },
    async append(appserverId, offset, content, nextOffset, maxBytes) {
      return db.transaction(async (tx) => {
        const moved = await moveOffset(tx, appserverId, offset, nextOffset);
        if (!moved) return false;
        await tx.insert(runtimeLogChunks).values({ appserverId, offset, content });
        const kept = moved.startOffset + moved.droppedBytes;
        if (nextOffset - kept > maxBytes) {
          // Keep at least the last maxBytes: drop whole chunks that end before them.
          await tx.execute(sql`
            delete from runtime_log_chunks where appserver_id = ${appserverId} and "offset" < (
              select coalesce(max("offset"), 0) from runtime_log_chunks
              where appserver_id = ${appserverId} and "offset" <= ${nextOffset - maxBytes})`);
          await tx.execute(sql`
            update runtime_logs set dropped_bytes =
              coalesce((select min("offset") from runtime_log_chunks where appserver_id = ${appserverId}), ${offset}) - start_offset
            where appserver_id = ${appserverId}`);
        }
        return true;
      });
    },
    async skip(appserverId, offset, nextOffset) {
      return db.transaction(async (tx) => {
        const moved = await moveOffset(tx, appserverId, offset, nextOffset);
        if (!moved) return false;
        // Nothing before the skipped bytes is worth more than what follows them: the kept output starts after.
        await tx.delete(runtimeLogChunks).where(eq(runtimeLogChunks.appserverId, appserverId));
        await tx
          .update(runtimeLogs)
          .set({ droppedBytes: nextOffset - moved.startOffset })
          .where(eq(runtimeLogs.appserverId, appserverId));
        return true;
      });
    },
    async read(appserverId, options = {}) {
      return readLogChunks(db, runtimeLogChunks, appserverId, options);
    },
  };
}
