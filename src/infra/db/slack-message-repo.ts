import { and, desc, eq, gte, ne, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from '../../../drizzle/schema';
import { auditEvents, deployments, slackMessages } from '../../../drizzle/schema';

type Executor = NodePgDatabase<typeof schema>;

export type SlackMessageRow = typeof slackMessages.$inferSelect;
export type NewSlackMessage = typeof slackMessages.$inferInsert;

/** The Slack message refs (channel, ts) the bot keeps current, and the Slack-only queries over the audit log. */
export interface SlackMessageRepo {
  insert(values: NewSlackMessage): Promise<SlackMessageRow>;
  /** Operation messages of the instance that are not final yet. */
  listOpen(instanceId: number): Promise<SlackMessageRow[]>;
  /** The instance's message in the notification channel, created (unposted) when `create`. */
  notification(instanceId: number, channel: string, create: boolean): Promise<SlackMessageRow | null>;
  update(id: number, patch: Partial<Pick<SlackMessageRow, 'ts' | 'rendered' | 'done'>>): Promise<void>;
  /** Why activating appserver `number` failed, if it did since `since`. */
  activationError(instanceId: number, number: number, since: Date): Promise<string | null>;
  /** Instances a Slack user deployed or created (`/sandbox list mine`). */
  instanceIdsOf(userId: string): Promise<number[]>;
}

export function createSlackMessageRepo(db: Executor): SlackMessageRepo {
  return {
    async insert(values) {
      const rows = await db.insert(slackMessages).values(values).returning();
      return rows[0]!;
    },
    async listOpen(instanceId) {
      return db
        .select()
        .from(slackMessages)
        .where(
          and(
            eq(slackMessages.instanceId, instanceId),
            eq(slackMessages.done, false),
            ne(slackMessages.purpose, 'notification'),
          ),
        )
        .orderBy(slackMessages.id);
    },
    async notification(instanceId, channel, create) {
      const where = and(
        eq(slackMessages.instanceId, instanceId),
        eq(slackMessages.channel, channel),
        eq(slackMessages.purpose, 'notification'),
      );
      const found = (await db.select().from(slackMessages).where(where))[0];
      if (found || !create) return found ?? null;
      await db
        .insert(slackMessages)
        .values({ instanceId, channel, purpose: 'notification' })
        .onConflictDoNothing({
          target: [slackMessages.instanceId, slackMessages.channel],
          where: sql`${slackMessages.purpose} = 'notification'`,
        });
      return (await db.select().from(slackMessages).where(where))[0] ?? null;
    },
    async update(id, patch) {
      await db
        .update(slackMessages)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(slackMessages.id, id));
    },
    async activationError(instanceId, number, since) {
      const rows = await db
        .select({ detail: auditEvents.detail })
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.instanceId, instanceId),
            eq(auditEvents.action, 'activate'),
            eq(auditEvents.result, 'error'),
            gte(auditEvents.at, since),
            sql`${auditEvents.detail}->>'appserver' = ${String(number)}`,
          ),
        )
        .orderBy(desc(auditEvents.id))
        .limit(1);
      const error = rows[0]?.detail.error;
      return rows[0] ? (typeof error === 'string' ? error : 'the load balancer refused the change') : null;
    },
    async instanceIdsOf(userId) {
      const deployed = await db
        .selectDistinct({ id: deployments.instanceId })
        .from(deployments)
        .where(and(eq(deployments.requestedBy, userId), eq(deployments.surface, 'slack')));
      const created = await db
        .selectDistinct({ id: auditEvents.instanceId })
        .from(auditEvents)
        .where(and(eq(auditEvents.actor, userId), eq(auditEvents.surface, 'slack'), eq(auditEvents.action, 'create')));
      return [
        ...new Set([
          ...deployed.map((r) => r.id),
          ...created.map((r) => r.id).filter((id): id is number => id !== null),
        ]),
      ];
    },
  };
}
