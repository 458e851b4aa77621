import { and, asc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type * as schema from '../../../drizzle/schema';
import {
  appservers,
  auditEvents,
  cleanupCounters,
  deployments,
  hosts,
  instances,
  logChunks,
} from '../../../drizzle/schema';
import { transition, type AppserverState } from '../../core/appserver-state';
import { SandboxError } from '../../core/errors';
import type { Appserver } from '../../core/model';
import type { EnqueueOptions, Store } from '../../core/ports/store';
import { createCampaignRecords } from './campaign-records';
import { addJobArguments } from './enqueue';

type Executor = NodePgDatabase<typeof schema>;

const placementLockKey = 7_340_001;
const quotaLockKey = 7_340_002;

/** The Store port on PostgreSQL (drizzle). Every method joins the transaction it was created in. */
export function createSandboxStore(db: Executor): Store {
  const one = <T>(rows: T[], what: string): T => {
    const row = rows[0];
    if (!row) throw new SandboxError('not_found', `${what} not found`);
    return row;
  };
  const asAppserver = (row: typeof appservers.$inferSelect): Appserver => row as Appserver;

  const store: Store = {
    ...createCampaignRecords(db),
    async transaction(work) {
      return db.transaction(async (tx) => work(createSandboxStore(tx as unknown as Executor)));
    },
    async lockInstance(id) {
      await db.execute(sql`select id from instances where id = ${id} for update`);
    },
    async lockPlacement() {
      await db.execute(sql`select pg_advisory_xact_lock(${placementLockKey})`);
    },
    async lockQuotas() {
      await db.execute(sql`select pg_advisory_xact_lock(${quotaLockKey})`);
    },
    async enqueue(task, payload, options: EnqueueOptions = {}) {
      const [identifier, json, queueName, runAt, maxAttempts, jobKey, jobKeyMode, priority] = addJobArguments(
        task,
        payload,
        options,
      );
      const result = await db.execute<{ id: string }>(sql`select (graphile_worker.add_job(
        identifier => ${identifier}, payload => ${json}::json, queue_name => ${queueName},
        run_at => ${runAt}::timestamptz, max_attempts => ${maxAttempts}::int,
        job_key => ${jobKey}, job_key_mode => ${jobKeyMode}, priority => ${priority}::int)).id::text as id`);
      return { jobId: result.rows[0]!.id };
    },

    async getInstance(id) {
      return (await db.select().from(instances).where(eq(instances.id, id)))[0] ?? null;
    },
    async findInstanceBySlug(slug) {
      return (await db.select().from(instances).where(eq(instances.slug, slug)))[0] ?? null;
    },
    async findInstanceByPr(repo, number) {
      return (
        (
          await db
            .select()
            .from(instances)
            .where(
              and(
                sql`lower(${instances.prRepo}) = lower(${repo})`,
                eq(instances.prNumber, number),
                eq(instances.kind, 'pr'),
              ),
            )
        )[0] ?? null
      );
    },
    async findInstanceByDomain(domain) {
      const rows = await db
        .select()
        .from(instances)
        .where(
          and(
            isNull(instances.deletedAt),
            or(eq(instances.domain, domain), sql`${instances.extraDomains} @> ${JSON.stringify([domain])}::jsonb`),
          ),
        )
        .limit(1);
      return rows[0] ?? null;
    },
    async listInstances(options = {}) {
      const conditions = [];
      if (!options.includeArchived) conditions.push(isNull(instances.archivedAt));
      if (!options.includeDeleted) conditions.push(isNull(instances.deletedAt));
      return db
        .select()
        .from(instances)
        .where(and(...conditions))
        .orderBy(asc(instances.slug));
    },
    async listLiveSandboxes() {
      return db
        .select()
        .from(instances)
        .where(
          and(
            isNull(instances.archivedAt),
            isNull(instances.deletedAt),
            sql`exists (select 1 from ${deployments} where ${deployments.instanceId} = ${instances.id})`,
          ),
        )
        .orderBy(asc(instances.slug));
    },
    async recordRequests(requests) {
      if (requests.length === 0) return;
      const ids = requests.map((r) => r.instanceId);
      const times = requests.map((r) => r.at.toISOString());
      await db.execute(sql`update ${instances} set last_request_at = greatest(${instances.lastRequestAt}, v.at)
        from (select unnest(${sql.param(ids)}::int[]) as id, unnest(${sql.param(times)}::timestamptz[]) as at) v
        where ${instances.id} = v.id`);
    },
    async insertInstance(values) {
      return one(await db.insert(instances).values(values).returning(), 'instance');
    },
    async updateInstance(id, patch) {
      return one(
        await db
          .update(instances)
          .set({ ...patch, updatedAt: new Date() })
          .where(eq(instances.id, id))
          .returning(),
        `instance ${id}`,
      );
    },

    async insertDeployment(values) {
      return one(await db.insert(deployments).values(values).returning(), 'deployment');
    },
    async getDeployment(id) {
      return (await db.select().from(deployments).where(eq(deployments.id, id)))[0] ?? null;
    },
    async updateDeployment(id, patch) {
      return one(await db.update(deployments).set(patch).where(eq(deployments.id, id)).returning(), `deployment ${id}`);
    },
    async listDeployments(instanceId) {
      return db.select().from(deployments).where(eq(deployments.instanceId, instanceId)).orderBy(asc(deployments.id));
    },

    async insertAppserver(values) {
      const number = sql`(select coalesce(max(${appservers.number}), 0) + 1 from ${appservers} where ${appservers.instanceId} = ${values.instanceId})`;
      return asAppserver(
        one(
          await db
            .insert(appservers)
            .values({ ...values, number: number as unknown as number, state: 'new' })
            .returning(),
          'appserver',
        ),
      );
    },
    async getAppserver(id) {
      const row = (await db.select().from(appservers).where(eq(appservers.id, id)))[0];
      return row ? asAppserver(row) : null;
    },
    async findAppserver(instanceId, number) {
      const row = (
        await db
          .select()
          .from(appservers)
          .where(and(eq(appservers.instanceId, instanceId), eq(appservers.number, number)))
      )[0];
      return row ? asAppserver(row) : null;
    },
    async listAppservers(instanceId) {
      return (
        await db.select().from(appservers).where(eq(appservers.instanceId, instanceId)).orderBy(asc(appservers.number))
      ).map(asAppserver);
    },
    async listAppserversInStates(states) {
      return (
        await db
          .select()
          .from(appservers)
          .where(inArray(appservers.state, [...states]))
      ).map(asAppserver);
    },
    async transitionAppserver(id, from: AppserverState, to: AppserverState, patch = {}) {
      transition(from, to);
      const rows = await db
        .update(appservers)
        .set({ ...patch, state: to, updatedAt: new Date() })
        .where(and(eq(appservers.id, id), eq(appservers.state, from)))
        .returning();
      return rows[0] ? asAppserver(rows[0]) : null;
    },
    async updateAppserver(id, patch) {
      const { state: _state, ...rest } = patch;
      return asAppserver(
        one(
          await db
            .update(appservers)
            .set({ ...rest, updatedAt: new Date() })
            .where(eq(appservers.id, id))
            .returning(),
          `appserver ${id}`,
        ),
      );
    },

    async listHosts() {
      return db.select().from(hosts).orderBy(asc(hosts.id));
    },
    async getHost(id) {
      return (await db.select().from(hosts).where(eq(hosts.id, id)))[0] ?? null;
    },
    async upsertHost(values) {
      const { name: _name, acceptsNew: _acceptsNew, ...update } = values;
      return one(
        await db
          .insert(hosts)
          .values(values)
          .onConflictDoUpdate({ target: hosts.name, set: { ...update, updatedAt: new Date() } })
          .returning(),
        'host',
      );
    },
    async updateHost(id, patch) {
      return one(
        await db
          .update(hosts)
          .set({ ...patch, updatedAt: new Date() })
          .where(eq(hosts.id, id))
          .returning(),
        `host ${id}`,
      );
    },

    async appendLog(appserverId, offset, content, nextOffset, options = {}) {
      // One statement (one round trip behind a backlog): the offset moves and the chunk goes in, or neither.
      const appended = await db.execute<{ dropped: string }>(sql`
        with advanced as (
          update appservers set log_offset = ${nextOffset}
          where id = ${appserverId} and log_offset = ${offset} returning id, log_dropped_bytes),
        chunk as (insert into log_chunks (appserver_id, "offset", content) select id, ${offset}, ${content} from advanced)
        select log_dropped_bytes::text as dropped from advanced`);
      const row = appended.rows[0];
      if (!row) return false;
      if (options.maxBytes !== undefined && nextOffset - Number(row.dropped) > options.maxBytes)
        await store.trimLog(appserverId, options.maxBytes);
      return true;
    },
    async skipLog(appserverId, offset, nextOffset) {
      const result = await db.execute<{ moved: number }>(sql`
        with moved as (
          update appservers set log_offset = ${nextOffset}, log_dropped_bytes = ${nextOffset}
          where id = ${appserverId} and log_offset = ${offset} returning id),
        gone as (delete from log_chunks where appserver_id in (select id from moved))
        select count(*)::int as moved from moved`);
      return result.rows[0]!.moved > 0;
    },
    async trimLog(appserverId, maxBytes) {
      // One statement: the first chunk kept is the last one starting at or before the line; older ones go.
      await db.execute(sql`
        with line as (
          select log_offset - ${maxBytes} as at from appservers
          where id = ${appserverId} and log_offset - log_dropped_bytes > ${maxBytes}),
        keep as (
          select max("offset") as first from log_chunks
          where appserver_id = ${appserverId} and "offset" <= (select at from line)),
        gone as (
          delete from log_chunks where appserver_id = ${appserverId} and "offset" < (select first from keep))
        update appservers set log_dropped_bytes = (select first from keep)
        where id = ${appserverId} and (select first from keep) is not null`);
    },
    async readLog(appserverId, options = {}) {
      if (options.tailBytes !== undefined) {
        // Only the chunks that cover the last tailBytes, chosen in SQL: chunks can be large.
        const result = await db.execute<{ offset: string; content: string }>(sql`
          select "offset", content from (
            select "offset", content, sum(octet_length(content)) over (order by "offset" desc) as covered
            from log_chunks where appserver_id = ${appserverId}) tail
          where covered - octet_length(content) < ${options.tailBytes}
          order by "offset"`);
        return result.rows.map((row) => ({ offset: Number(row.offset), content: row.content }));
      }
      const rows = await db
        .select({ offset: logChunks.offset, content: logChunks.content })
        .from(logChunks)
        .where(and(eq(logChunks.appserverId, appserverId), gt(logChunks.offset, options.afterOffset ?? -1)))
        .orderBy(asc(logChunks.offset))
        .limit(1000);
      if (options.limitBytes === undefined) return rows;
      const picked: typeof rows = [];
      let size = 0;
      for (const row of rows) {
        if (size > 0 && size + row.content.length > options.limitBytes) break;
        picked.push(row);
        size += row.content.length;
      }
      return picked;
    },

    async recordAudit(event) {
      await db.insert(auditEvents).values(event);
    },
    async countCleanup(event) {
      await db
        .insert(cleanupCounters)
        .values({ event, count: 1 })
        .onConflictDoUpdate({
          target: cleanupCounters.event,
          set: { count: sql`${cleanupCounters.count} + 1`, updatedAt: new Date() },
        });
    },
  };
  return store;
}
