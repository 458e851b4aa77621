import { gte, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from '../../../drizzle/schema';
import { instanceHits, instanceVisitors } from '../../../drizzle/schema';
import type { ActivityRecords } from '../../core/ports/activity';

type Executor = NodePgDatabase<typeof schema>;

/** Hit and visitor counts on PostgreSQL: a flush is two statements, whatever the number of sandboxes. */
export function createActivityRecords(db: Executor): ActivityRecords {
  return {
    async record(batch) {
      const hits = batch.filter((entry) => entry.hits > 0);
      if (hits.length > 0)
        await db
          .insert(instanceHits)
          .values(hits.map(({ instanceId, day, hits: n }) => ({ instanceId, day, hits: n })))
          .onConflictDoUpdate({
            target: [instanceHits.instanceId, instanceHits.day],
            set: { hits: sql`${instanceHits.hits} + excluded.hits` },
          });
      const visitors = batch.flatMap(({ instanceId, day, visitors: seen }) =>
        seen.map((visitor) => ({ instanceId, day, visitor })),
      );
      if (visitors.length > 0) await db.insert(instanceVisitors).values(visitors).onConflictDoNothing();
    },
    async totalsSince(sinceDay) {
      const totals = new Map<number, { hits: number; visitors: number }>();
      const hits = await db
        .select({ instanceId: instanceHits.instanceId, hits: sql<string>`sum(${instanceHits.hits})` })
        .from(instanceHits)
        .where(gte(instanceHits.day, sinceDay))
        .groupBy(instanceHits.instanceId);
      for (const row of hits) totals.set(row.instanceId, { hits: Number(row.hits), visitors: 0 });
      // Distinct over the whole window: one person on several days is one visitor of a day each (hashed per day).
      const visitors = await db
        .select({ instanceId: instanceVisitors.instanceId, visitors: sql<string>`count(*)` })
        .from(instanceVisitors)
        .where(gte(instanceVisitors.day, sinceDay))
        .groupBy(instanceVisitors.instanceId);
      for (const row of visitors)
        totals.set(row.instanceId, { hits: totals.get(row.instanceId)?.hits ?? 0, visitors: Number(row.visitors) });
      return totals;
    },
  };
}
