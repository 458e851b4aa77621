import { lt } from 'drizzle-orm';
import { z } from 'zod';
import { logChunks, webhookDeliveries, workerHeartbeats } from '../../../drizzle/schema';
import { defineTask } from '../define-task';

export const payload = z.object({ _cron: z.unknown().optional() }).loose();
export type Payload = z.input<typeof payload>;

const deliveryMemoryMs = 30 * 86_400_000;
const heartbeatMemoryMs = 86_400_000;

/** Deletes deploy logs past `retention.logs_max_age`, old delivery ids and dead worker heartbeats. */
export const task = defineTask(payload, async (deps, _payload, helpers) => {
  const now = Date.now();
  const logs = await deps.db.delete(logChunks).where(lt(logChunks.createdAt, new Date(now - deps.config.retention.logs_max_age)));
  const deliveries = await deps.db.delete(webhookDeliveries).where(lt(webhookDeliveries.receivedAt, new Date(now - deliveryMemoryMs)));
  const heartbeats = await deps.db.delete(workerHeartbeats).where(lt(workerHeartbeats.lastSeenAt, new Date(now - heartbeatMemoryMs)));
  helpers.logger.info(`pruned ${logs.rowCount ?? 0} log chunks, ${deliveries.rowCount ?? 0} delivery ids, ${heartbeats.rowCount ?? 0} heartbeats`);
});
