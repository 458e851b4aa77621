import { and, asc, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from '../../../drizzle/schema';
import { appservers, campaignItems, campaigns, instanceTags } from '../../../drizzle/schema';
import { SandboxError } from '../../core/errors';
import type { Campaign, CampaignItem, CampaignOptions, CampaignRecords, TagRecords } from '../../core/ports/campaigns';

type Executor = NodePgDatabase<typeof schema>;

const asCampaign = (row: typeof campaigns.$inferSelect): Campaign => ({
  ...row,
  options: row.options as unknown as CampaignOptions,
});
const asItem = (row: typeof campaignItems.$inferSelect): CampaignItem => row;

/** Tags and campaign rows on PostgreSQL; spread into the Store so they join its transactions. */
export function createCampaignRecords(db: Executor): TagRecords & CampaignRecords {
  return {
    async listTags(instanceId) {
      return (
        await db
          .select({ tag: instanceTags.tag })
          .from(instanceTags)
          .where(eq(instanceTags.instanceId, instanceId))
          .orderBy(asc(instanceTags.tag))
      ).map((r) => r.tag);
    },
    async tagsByInstance(instanceIds) {
      if (instanceIds && instanceIds.length === 0) return new Map();
      const rows = await db
        .select()
        .from(instanceTags)
        .where(instanceIds ? inArray(instanceTags.instanceId, [...instanceIds]) : undefined)
        .orderBy(asc(instanceTags.tag));
      const byInstance = new Map<number, string[]>();
      for (const row of rows) byInstance.set(row.instanceId, [...(byInstance.get(row.instanceId) ?? []), row.tag]);
      return byInstance;
    },
    async addTags(instanceId, tags) {
      if (tags.length === 0) return;
      await db
        .insert(instanceTags)
        .values(tags.map((tag) => ({ instanceId, tag })))
        .onConflictDoNothing();
    },
    async removeTags(instanceId, tags) {
      if (tags.length === 0) return;
      await db
        .delete(instanceTags)
        .where(and(eq(instanceTags.instanceId, instanceId), inArray(instanceTags.tag, [...tags])));
    },
    async instancesEverRunning() {
      const rows = await db
        .selectDistinct({ id: appservers.instanceId })
        .from(appservers)
        .where(isNotNull(appservers.readyAt));
      return new Set(rows.map((r) => r.id));
    },

    async insertCampaign(values, items) {
      const [row] = await db
        .insert(campaigns)
        .values({ ...values, options: values.options as unknown as Record<string, unknown> })
        .returning();
      if (!row) throw new SandboxError('not_found', 'campaign not inserted');
      if (items.length > 0) {
        const rows = items.map((item, position) => ({
          campaignId: row.id,
          instanceId: item.instanceId,
          slug: item.slug,
          position,
        }));
        await db.insert(campaignItems).values(rows);
      }
      return asCampaign(row);
    },
    async getCampaign(id) {
      const row = (await db.select().from(campaigns).where(eq(campaigns.id, id)))[0];
      return row ? asCampaign(row) : null;
    },
    async listCampaigns(options = {}) {
      const query =
        options.instanceId === undefined
          ? db.select().from(campaigns)
          : db
              .select()
              .from(campaigns)
              .where(
                sql`exists (select 1 from ${campaignItems} where ${campaignItems.campaignId} = ${campaigns.id} and ${campaignItems.instanceId} = ${options.instanceId})`,
              );
      return (await query.orderBy(desc(campaigns.id))).map(asCampaign);
    },
    async updateCampaign(id, patch) {
      const [row] = await db
        .update(campaigns)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(campaigns.id, id))
        .returning();
      if (!row) throw new SandboxError('not_found', `campaign ${id} not found`);
      return asCampaign(row);
    },
    async transitionCampaign(id, from, to, finishedAt) {
      const [row] = await db
        .update(campaigns)
        .set({ state: to, updatedAt: new Date(), ...(finishedAt === undefined ? {} : { finishedAt }) })
        .where(and(eq(campaigns.id, id), inArray(campaigns.state, [...from])))
        .returning();
      return row ? asCampaign(row) : null;
    },
    async listCampaignItems(campaignId) {
      return (
        await db
          .select()
          .from(campaignItems)
          .where(eq(campaignItems.campaignId, campaignId))
          .orderBy(asc(campaignItems.position))
      ).map(asItem);
    },
    async updateCampaignItem(id, from, patch) {
      const [row] = await db
        .update(campaignItems)
        .set(patch)
        .where(and(eq(campaignItems.id, id), eq(campaignItems.state, from)))
        .returning();
      return row ? asItem(row) : null;
    },
  };
}
