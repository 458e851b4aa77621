import { and, desc, eq, gte, inArray, isNotNull, ne, sql } from 'drizzle-orm';
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
  /** A campaign's messages that are not final yet (its progress messages and its message in the failure channel). */
  listOpenForCampaign(campaignId: number): Promise<SlackMessageRow[]>;
  /** The campaign's message in the failure channel, created (unposted) when `create`. */
  campaignFailures(campaignId: number, channel: string, create: boolean): Promise<SlackMessageRow | null>;
  update(id: number, patch: Partial<Pick<SlackMessageRow, 'ts' | 'rendered' | 'done'>>): Promise<void>;
  /** The first posted operation message of the instance asked for by a person (a manual sandbox's `create`), or null. */
  creationMessage(instanceId: number): Promise<SlackMessageRow | null>;
  /** The instance's expiry-warning record (never listed as open), created when missing. */
  expiryWarning(instanceId: number, channel: string): Promise<SlackMessageRow>;
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
    async listOpenForCampaign(campaignId) {
      return db
        .select()
        .from(slackMessages)
        .where(
          and(
            eq(slackMessages.subjectId, campaignId),
            eq(slackMessages.done, false),
            inArray(slackMessages.purpose, ['campaign', 'campaign_failures']),
          ),
        )
        .orderBy(slackMessages.id);
    },
    async campaignFailures(campaignId, channel, create) {
      const where = and(
        eq(slackMessages.subjectId, campaignId),
        eq(slackMessages.channel, channel),
        eq(slackMessages.purpose, 'campaign_failures'),
      );
      const found = (await db.select().from(slackMessages).where(where))[0];
      if (found || !create) return found ?? null;
      await db
        .insert(slackMessages)
        .values({ instanceId: null, subjectId: campaignId, channel, purpose: 'campaign_failures' })
        .onConflictDoNothing({
          target: [slackMessages.subjectId, slackMessages.channel],
          where: sql`${slackMessages.purpose} = 'campaign_failures'`,
        });
      return (await db.select().from(slackMessages).where(where))[0] ?? null;
    },
    async creationMessage(instanceId) {
      const rows = await db
        .select()
        .from(slackMessages)
        .where(
          and(
            eq(slackMessages.instanceId, instanceId),
            eq(slackMessages.purpose, 'deploy'),
            isNotNull(slackMessages.requestedBy),
            isNotNull(slackMessages.ts),
          ),
        )
        .orderBy(slackMessages.id)
        .limit(1);
      return rows[0] ?? null;
    },
    async expiryWarning(instanceId, channel) {
      const where = and(eq(slackMessages.instanceId, instanceId), eq(slackMessages.purpose, 'expiry_warning'));
      const found = (await db.select().from(slackMessages).where(where).orderBy(slackMessages.id).limit(1))[0];
      if (found) return found;
      // Done from the start: it is never an operation message to keep current.
      const rows = await db
        .insert(slackMessages)
        .values({ instanceId, channel, purpose: 'expiry_warning', done: true })
        .returning();
      return rows[0]!;
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
