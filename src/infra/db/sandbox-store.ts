import { and, asc, eq, getTableColumns, inArray, isNull, or, sql, type Table } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { PgTransaction } from 'drizzle-orm/pg-core';
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
import type { Appserver, Deployment } from '../../core/model';
import type { DeploymentRecords, EnqueueOptions, Store } from '../../core/ports/store';
import { createCampaignRecords } from './campaign-records';
import { addJobArguments } from './enqueue';
import { groupCalls } from './group-calls';
import {
  recordDeploymentRequestGroup,
  recordDeploymentRequests,
  type DeploymentRequestRow,
  type RequestOutcome,
} from './record-deployment-requests';
import { readLogChunks } from './read-log-chunks';

type Executor = NodePgDatabase<typeof schema>;

/** A raw row (column names, driver values) as drizzle's select would return it (property names, mapped values). */
function fromRow(table: Table, row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(getTableColumns(table)).map(([key, column]) => {
      const value = row[column.name];
      return [key, value === null || value === undefined ? null : column.mapFromDriverValue(value)];
    }),
  );
}

const placementLockKey = 7_340_001;
const quotaLockKey = 7_340_002;

/**
 * Who follows a deployment's progress (a Slack channel's message): recorded by the same statement as
 * the deployment it follows, so a surface needs no transaction of its own around a request to deploy.
 */
export interface DeploymentFollower {
  channel: string;
  requestedBy: string;
  /** Called with the deployment's id once its follower is recorded (committed with it). */
  recorded(deploymentId: number): void;
}

export interface SandboxStoreOptions {
  /** Every deployment this store requests (also in its transactions) gets this follower. */
  deploymentFollower?: DeploymentFollower;
}

/** Statements shared by the calls that arrive together on one pool (group-calls.ts), one set per pool. */
const grouped = new WeakMap<
  Executor,
  {
    bySlug: (slug: string) => Promise<typeof instances.$inferSelect | null>;
    deploymentRequests: (row: DeploymentRequestRow) => Promise<RequestOutcome>;
  }
>();
function groupedOn(db: Executor) {
  let found = grouped.get(db);
  if (!found) {
    const bySlug = db
      .select()
      .from(instances)
      .where(sql`${instances.slug} = any(${sql.placeholder('slugs')})`)
      .prepare('sandbox_store_instances_by_slug');
    found = {
      bySlug: groupCalls(async (slugs: string[]) => {
        const rows = new Map((await bySlug.execute({ slugs })).map((row) => [row.slug, row]));
        return slugs.map((slug) => rows.get(slug) ?? null);
      }),
      deploymentRequests: groupCalls((rows: DeploymentRequestRow[]) => recordDeploymentRequestGroup(db, rows)),
    };
    grouped.set(db, found);
  }
  return found;
}

/** `Store.recordDeploymentRequest` on an executor, with the deployment's follower (if any). */
async function recordDeploymentRequestOn(
  db: Executor,
  request: DeploymentRecords,
  follower: DeploymentFollower | null,
): Promise<{ deployment: Deployment; jobId: string }> {
  const row = { request, follower, at: new Date() };
  // On a transaction's connection: this one statement. On the pool: one statement with the requests
  // that arrived meanwhile (record-deployment-requests.ts).
  const outcome =
    db instanceof PgTransaction
      ? { row: (await recordDeploymentRequests(db, [row]))[0] ?? null }
      : await groupedOn(db).deploymentRequests(row);
  if ('error' in outcome) throw outcome.error;
  if (!outcome.row) throw new SandboxError('not_found', `instance ${request.deployment.instanceId} not found`);
  const deployment = fromRow(deployments, outcome.row) as unknown as Deployment;
  follower?.recorded(deployment.id);
  return { deployment, jobId: String(outcome.row.job_id) };
}

/**
 * The pool's store with a follower for every deployment it requests (also in its transactions): cheaper
 * than a new store per request, which a Slack command on the acknowledgement path would otherwise build.
 */
export function withDeploymentFollower(db: Executor, store: Store, follower: DeploymentFollower): Store {
  return {
    ...store,
    recordDeploymentRequest: (request) => recordDeploymentRequestOn(db, request, follower),
    transaction: (work) =>
      db.transaction(async (tx) =>
        work(createSandboxStore(tx as unknown as Executor, { deploymentFollower: follower })),
      ),
  };
}

/** The Store port on PostgreSQL (drizzle). Every method joins the transaction it was created in. */
export function createSandboxStore(db: Executor, options: SandboxStoreOptions = {}): Store {
  const follower = options.deploymentFollower;
  const one = <T>(rows: T[], what: string): T => {
    const row = rows[0];
    if (!row) throw new SandboxError('not_found', `${what} not found`);
    return row;
  };
  const asAppserver = (row: typeof appservers.$inferSelect): Appserver => row as Appserver;

  const store: Store = {
    ...createCampaignRecords(db),
    // A transaction (ours, or a surface's that builds a store on its executor) runs on one connection.
    inTransaction: db instanceof PgTransaction,
    async transaction(work) {
      return db.transaction(async (tx) => work(createSandboxStore(tx as unknown as Executor, options)));
    },
    async snapshot(work) {
      if (db instanceof PgTransaction) return work(store);
      return db.transaction(async (tx) => work(createSandboxStore(tx as unknown as Executor, options)), {
        isolationLevel: 'repeatable read',
        accessMode: 'read only',
      });
    },
    async lockInstance(id) {
      return (await db.select().from(instances).where(eq(instances.id, id)).for('update'))[0] ?? null;
    },
    async lockPlacement() {
      await db.execute(sql`select pg_advisory_xact_lock(${placementLockKey})`);
    },
    async lockQuotas() {
      await db.execute(sql`select pg_advisory_xact_lock(${quotaLockKey})`);
    },
    async enqueue(task, payload, options: EnqueueOptions = {}) {
      const [identifier, json, queueName, runAt, maxAttempts, jobKey, jobKeyMode, priority, flags] = addJobArguments(
        task,
        payload,
        options,
      );
      const result = await db.execute<{ id: string }>(sql`select (graphile_worker.add_job(
        identifier => ${identifier}, payload => ${json}::json, queue_name => ${queueName},
        run_at => ${runAt}::timestamptz, max_attempts => ${maxAttempts}::int,
        job_key => ${jobKey}, job_key_mode => ${jobKeyMode}, priority => ${priority}::int,
        flags => string_to_array(${flags?.join(',') ?? null}::text, ','))).id::text as id`);
      return { jobId: result.rows[0]!.id };
    },

    async getInstance(id) {
      return (await db.select().from(instances).where(eq(instances.id, id)))[0] ?? null;
    },
    async findInstanceBySlug(slug) {
      // On the pool, lookups that arrive together share one statement (a Slack command's first read).
      if (!(db instanceof PgTransaction)) return groupedOn(db).bySlug(slug);
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
    async recordDeploymentRequest(request) {
      return recordDeploymentRequestOn(db, request, follower ?? null);
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
      return readLogChunks(db, logChunks, appserverId, options);
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
