import { sql } from 'drizzle-orm';
import type { QuotaBreach } from '../src/core/quotas/quota-breach';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * The data model (SPEC §1, §4). Tables hold data only; core acts on it.
 * Generate migrations with `npm run db:generate -- --name <what>`.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const repositories = pgTable('repositories', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  url: text('url'),
  recipe: text('recipe').notNull(),
  defaultSettings: jsonb('default_settings').$type<Record<string, unknown>>().notNull().default({}),
  defaultFields: jsonb('default_fields').$type<Record<string, string>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const hosts = pgTable('hosts', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  provider: text('provider').$type<'local' | 'ssh' | 'openstack'>().notNull(),
  address: text('address').notNull(),
  port: integer('port').notNull().default(22),
  user: text('user'),
  capacity: integer('capacity').notNull(),
  portRangeLow: integer('port_range_low').notNull(),
  portRangeHigh: integer('port_range_high').notNull(),
  workRoot: text('work_root').notNull(),
  labels: jsonb('labels').$type<string[]>().notNull().default([]),
  privateKeyPath: text('private_key_path'),
  privateKeyEnv: text('private_key_env'),
  hostKeyFingerprint: text('host_key_fingerprint'),
  knownHosts: text('known_hosts'),
  acceptsNew: boolean('accepts_new').notNull().default(true),
  fromConfig: boolean('from_config').notNull().default(true),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const instances = pgTable(
  'instances',
  {
    id: serial('id').primaryKey(),
    slug: text('slug').notNull().unique(),
    domain: text('domain').notNull(),
    extraDomains: jsonb('extra_domains').$type<string[]>().notNull().default([]),
    kind: text('kind').$type<'pr' | 'manual'>().notNull(),
    repositoryId: integer('repository_id').references(() => repositories.id),
    repoUrl: text('repo_url'),
    ref: text('ref'),
    prRepo: text('pr_repo'),
    prNumber: integer('pr_number'),
    prUrl: text('pr_url'),
    prAuthor: text('pr_author'),
    prHeadSha: text('pr_head_sha'),
    prFromFork: boolean('pr_from_fork').notNull().default(false),
    approvedBy: text('approved_by'),
    /** The head commit an approval was given for: a fork or outsider's later commit waits for a new approval. */
    approvedSha: text('approved_sha'),
    /** HTTP basic-auth credentials of a sandbox whose repository has `access: basic_auth` (null: public). */
    accessUser: text('access_user'),
    accessPassword: text('access_password'),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    fields: jsonb('fields').$type<Record<string, string>>().notNull().default({}),
    databaseMode: text('database_mode').$type<'ephemeral' | 'persistent'>().notNull().default('ephemeral'),
    settingsErrors: jsonb('settings_errors').$type<unknown[]>().notNull().default([]),
    production: boolean('production').notNull().default(false),
    /** Who created a manual sandbox (`<surface>:<id>`, e.g. `slack:U123`), for the per-author quota; null for PR sandboxes. */
    createdBy: text('created_by'),
    pinned: boolean('pinned').notNull().default(false),
    /** When the recipe's init phase last completed for this sandbox's data; null: the next deploy runs it. */
    initializedAt: timestamp('initialized_at', { withTimezone: true }),
    activeAppserverId: integer('active_appserver_id'),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** The expiry an expiry warning was sent for (issue 16): a later expiry (activity, extend) arms the warning again. */
    expiryWarnedFor: timestamp('expiry_warned_for', { withTimezone: true }),
    /** When the sandbox was archived for inactivity; a sync of its open PR restores it only for a new commit. Cleared on restore. */
    expiredAt: timestamp('expired_at', { withTimezone: true }),
    /** When its appserver was put to sleep for lack of requests (`sleep_after`); null: awake. Cleared once woken. */
    sleepingSince: timestamp('sleeping_since', { withTimezone: true }),
    /** Last request the builtin load balancer passed on (flushed from memory every few seconds, not per request). */
    lastRequestAt: timestamp('last_request_at', { withTimezone: true }),
    /** When uptime probes marked it down (N failures in a row); null: up. Cleared when a probe passes again. */
    downSince: timestamp('down_since', { withTimezone: true }),
    /** Uptime probes failed in a row (reset by a passing probe). */
    probeFailures: integer('probe_failures').notNull().default(0),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('instances_pr_idx')
      .on(t.prRepo, t.prNumber)
      .where(sql`${t.kind} = 'pr'`),
  ],
);

export const deployments = pgTable(
  'deployments',
  {
    id: serial('id').primaryKey(),
    instanceId: integer('instance_id')
      .notNull()
      .references(() => instances.id),
    requestedBy: text('requested_by').notNull(),
    surface: text('surface').$type<'github' | 'slack' | 'web' | 'cli' | 'system'>().notNull(),
    commitSha: text('commit_sha'),
    ref: text('ref'),
    attempts: integer('attempts').notNull().default(1),
    activateOnSuccess: boolean('activate_on_success').notNull().default(true),
    state: text('state')
      .$type<'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled'>()
      .notNull()
      .default('pending'),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('deployments_instance_idx').on(t.instanceId)],
);

export const appservers = pgTable(
  'appservers',
  {
    id: serial('id').primaryKey(),
    instanceId: integer('instance_id')
      .notNull()
      .references(() => instances.id),
    deploymentId: integer('deployment_id').references(() => deployments.id),
    number: integer('number').notNull(),
    state: text('state').notNull().default('new'),
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    commitSha: text('commit_sha'),
    ref: text('ref'),
    hostId: integer('host_id').references(() => hosts.id),
    port: integer('port'),
    workDir: text('work_dir'),
    logOffset: bigint('log_offset', { mode: 'number' }).notNull().default(0),
    /** Bytes of log output not stored because the appserver's log reached its cap (the tail is kept). */
    logDroppedBytes: bigint('log_dropped_bytes', { mode: 'number' }).notNull().default(0),
    exitCode: integer('exit_code'),
    /** When the recipe's start phase was launched (the deploy phase had exited 0). */
    serviceStartedAt: timestamp('service_started_at', { withTimezone: true }),
    failureReason: text('failure_reason'),
    createdAt: createdAt(),
    configuringAt: timestamp('configuring_at', { withTimezone: true }),
    readyAt: timestamp('ready_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
    terminatedAt: timestamp('terminated_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('appservers_instance_number_idx').on(t.instanceId, t.number),
    index('appservers_state_idx').on(t.state),
  ],
);

export const logChunks = pgTable(
  'log_chunks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appserverId: integer('appserver_id')
      .notNull()
      .references(() => appservers.id, { onDelete: 'cascade' }),
    offset: bigint('offset', { mode: 'number' }).notNull(),
    content: text('content').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('log_chunks_appserver_offset_idx').on(t.appserverId, t.offset)],
);

/**
 * A running appserver's own output (the start phase's, after it became
 * healthy), copied from deploy.log past `start_offset`; `offset` is the next
 * byte of deploy.log to copy (exactly once, like the deploy log).
 */
export const runtimeLogs = pgTable('runtime_logs', {
  appserverId: integer('appserver_id')
    .primaryKey()
    .references(() => appservers.id, { onDelete: 'cascade' }),
  startOffset: bigint('start_offset', { mode: 'number' }).notNull(),
  offset: bigint('offset', { mode: 'number' }).notNull(),
  /** Bytes of the runtime output not kept (over `runtime_log.max_bytes`); the newest are kept. */
  droppedBytes: bigint('dropped_bytes', { mode: 'number' }).notNull().default(0),
  updatedAt: updatedAt(),
});

export const runtimeLogChunks = pgTable(
  'runtime_log_chunks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    appserverId: integer('appserver_id')
      .notNull()
      .references(() => appservers.id, { onDelete: 'cascade' }),
    /** Byte offset in the host's deploy.log. */
    offset: bigint('offset', { mode: 'number' }).notNull(),
    content: text('content').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('runtime_log_chunks_appserver_offset_idx').on(t.appserverId, t.offset)],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    surface: text('surface').notNull(),
    action: text('action').notNull(),
    instanceId: integer('instance_id'),
    instanceSlug: text('instance_slug'),
    result: text('result').$type<'ok' | 'refused' | 'error'>().notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('audit_events_at_idx').on(t.at)],
);

export const instanceTags = pgTable(
  'instance_tags',
  {
    instanceId: integer('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.tag] })],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    deliveryId: text('delivery_id').primaryKey(),
    event: text('event').notNull(),
    action: text('action'),
    repository: text('repository'),
    prNumber: integer('pr_number'),
    /** SHA-256 of the raw body: a delivery re-sent under a new id with an identical body is a duplicate. */
    bodyDigest: text('body_digest'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('webhook_deliveries_body_digest_idx').on(t.bodyDigest)],
);

/** Signed Slack requests seen within the signature window, so a replay is refused (pruned past the window). */
export const slackRequestsSeen = pgTable(
  'slack_requests_seen',
  {
    signature: text('signature').primaryKey(),
    requestTimestamp: bigint('request_timestamp', { mode: 'number' }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('slack_requests_seen_received_idx').on(t.receivedAt)],
);

export const workerHeartbeats = pgTable('worker_heartbeats', {
  workerId: text('worker_id').primaryKey(),
  process: text('process').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Cluster-wide switches (maintenance mode), shared by every replica. */
export const systemFlags = pgTable('system_flags', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: updatedAt(),
});

/**
 * Slack messages the bot keeps current: one per operation started from Slack
 * (`deploy`, `activate`, `archive`, `delete`; posted in the channel the
 * command came from) and one per instance in the notification channel
 * (`notification`). `ts` is null until the message is posted.
 */
export const slackMessages = pgTable(
  'slack_messages',
  {
    id: serial('id').primaryKey(),
    /** The instance the message is about; null for a campaign's messages (they are about many). */
    instanceId: integer('instance_id').references(() => instances.id),
    purpose: text('purpose')
      .$type<
        | 'deploy'
        | 'activate'
        | 'archive'
        | 'delete'
        | 'notification'
        | 'campaign'
        | 'campaign_failures'
        | 'expiry_warning'
      >()
      .notNull(),
    /**
     * The deployment (`deploy`), appserver (`activate`) or campaign (`campaign`, `campaign_failures`) the message follows.
     * `expiry_warning`: the reply in the thread of a manual sandbox's creation message (`rendered`: the expiry it warned of).
     */
    subjectId: integer('subject_id'),
    channel: text('channel').notNull(),
    ts: text('ts'),
    /** Slack user id of who asked (null for notifications). */
    requestedBy: text('requested_by'),
    /** The last content sent, so an unchanged state costs no chat.update. */
    rendered: text('rendered'),
    /** Final state shown; the message is no longer updated. */
    done: boolean('done').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('slack_messages_open_idx')
      .on(t.instanceId)
      .where(sql`not ${t.done}`),
    uniqueIndex('slack_messages_notification_idx')
      .on(t.instanceId, t.channel)
      .where(sql`${t.purpose} = 'notification'`),
    /** One message per campaign in the failure channel. */
    uniqueIndex('slack_messages_campaign_failures_idx')
      .on(t.subjectId, t.channel)
      .where(sql`${t.purpose} = 'campaign_failures'`),
  ],
);

/**
 * What the GitHub App knows about one pull request of a watched repository:
 * its last-read state, why nothing deploys (`waiting`), and the ids of what
 * the bot shows on GitHub (check run, transient deployment, sticky comment)
 * with a digest of the last content sent, so an unchanged state costs no API
 * call. `notice` is the latest command reply folded into the sticky comment.
 */
export const githubPullRequests = pgTable(
  'github_pull_requests',
  {
    id: serial('id').primaryKey(),
    /** `owner/name` as GitHub spells it. */
    repository: text('repository').notNull(),
    number: integer('number').notNull(),
    installationId: bigint('installation_id', { mode: 'number' }),
    instanceId: integer('instance_id').references(() => instances.id),
    state: text('state').$type<'open' | 'closed'>().notNull(),
    merged: boolean('merged').notNull().default(false),
    draft: boolean('draft').notNull().default(false),
    headSha: text('head_sha').notNull(),
    author: text('author').notNull(),
    fromFork: boolean('from_fork').notNull().default(false),
    waiting: text('waiting').$type<'approval' | 'draft' | 'isolation' | 'slug' | 'quota'>(),
    /** With `waiting: quota`: which quota is full, its limit and the sandboxes holding it (issue 16). */
    waitingQuota: jsonb('waiting_quota').$type<QuotaBreach>(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    notice: jsonb('notice').$type<{ actor: string; command: string; text: string; at: string }>(),
    checkRunId: bigint('check_run_id', { mode: 'number' }),
    checkRunSha: text('check_run_sha'),
    checkRunDigest: text('check_run_digest'),
    commentId: bigint('comment_id', { mode: 'number' }),
    commentDigest: text('comment_digest'),
    deploymentId: bigint('deployment_id', { mode: 'number' }),
    deploymentSha: text('deployment_sha'),
    deploymentDigest: text('deployment_digest'),
    syncedAt: timestamp('synced_at', { withTimezone: true }),
    /** When a sync first recorded the current head_sha (a later sync of the same head keeps it): what an approval is dated against. */
    headSeenAt: timestamp('head_seen_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('github_pull_requests_pr_idx').on(sql`lower(${t.repository})`, t.number),
    index('github_pull_requests_instance_idx').on(t.instanceId),
    index('github_pull_requests_check_run_idx').on(t.checkRunId),
  ],
);

/**
 * Registered external database servers (`databases.mysql[]`, `.mongodb[]`,
 * `.rabbitmq[]` in sandbox.yml), recorded at start so placements can name
 * them. A server that left sandbox.yml stays (`configured: false`) while
 * instances still use it. The admin URL itself stays in the environment.
 */
export const databaseServers = pgTable(
  'database_servers',
  {
    id: serial('id').primaryKey(),
    kind: text('kind').$type<'mysql' | 'mongodb' | 'rabbitmq'>().notNull(),
    name: text('name').notNull(),
    urlEnv: text('url_env').notNull(),
    acceptsNew: boolean('accepts_new').notNull().default(true),
    configured: boolean('configured').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('database_servers_kind_name_idx').on(t.kind, t.name)],
);

/**
 * One instance's persistent databases of one kind: where they were placed
 * (recorded once, kept for the instance's life), the generated user and
 * password, and the actual names on the server (MySQL/MongoDB databases, or
 * the RabbitMQ virtual host). After a delete, `droppedAt` is set once
 * everything is gone; until then `dropError` says what is left and why, and
 * reconcile retries.
 */
export const instanceDatabases = pgTable(
  'instance_databases',
  {
    id: serial('id').primaryKey(),
    instanceId: integer('instance_id')
      .notNull()
      .references(() => instances.id),
    kind: text('kind').$type<'mysql' | 'mongodb' | 'rabbitmq'>().notNull(),
    serverId: integer('server_id')
      .notNull()
      .references(() => databaseServers.id),
    username: text('username').notNull(),
    password: text('password').notNull(),
    /** Declared name (what the recipe asked for) → actual name on the server; RabbitMQ: one entry for the vhost. */
    names: jsonb('names').$type<{ declared: string; actual: string }[]>().notNull().default([]),
    provisionedAt: timestamp('provisioned_at', { withTimezone: true }),
    dropAttemptedAt: timestamp('drop_attempted_at', { withTimezone: true }),
    dropError: text('drop_error'),
    droppedAt: timestamp('dropped_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('instance_databases_instance_kind_idx').on(t.instanceId, t.kind),
    index('instance_databases_server_idx').on(t.serverId),
  ],
);

/** A snapshot of an instance's persistent databases (`sbx db snapshot`): one archive file per database, under `dir`. */
export const databaseSnapshots = pgTable(
  'database_snapshots',
  {
    id: serial('id').primaryKey(),
    instanceId: integer('instance_id')
      .notNull()
      .references(() => instances.id),
    dir: text('dir').notNull(),
    files: jsonb('files')
      .$type<{ kind: 'mysql' | 'mongodb'; database: string; file: string; bytes: number }[]>()
      .notNull()
      .default([]),
    reason: text('reason').notNull(),
    requestedBy: text('requested_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('database_snapshots_instance_idx').on(t.instanceId)],
);

/**
 * A bulk redeploy (`sbx redeploy --tag T`, SPEC §7): what was asked, once,
 * and where it stands. Its items are the instances chosen when it started.
 * Ticks are `tick_campaign` jobs; the rows are the whole truth, so a restart
 * loses nothing.
 */
export const campaigns = pgTable(
  'campaigns',
  {
    id: serial('id').primaryKey(),
    tag: text('tag').notNull(),
    state: text('state')
      .$type<'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled'>()
      .notNull()
      .default('running'),
    /** filter, exclude, update, preUpgrade, batchSize, batchFrequencyMs, numAttempts, activate. */
    options: jsonb('options').$type<Record<string, unknown>>().notNull(),
    requestedBy: text('requested_by').notNull(),
    surface: text('surface').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('campaigns_state_idx').on(t.state)],
);

/** One instance of a campaign: its place in slug order, its batch, and its deployment. */
export const campaignItems = pgTable(
  'campaign_items',
  {
    id: serial('id').primaryKey(),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    instanceId: integer('instance_id')
      .notNull()
      .references(() => instances.id),
    slug: text('slug').notNull(),
    position: integer('position').notNull(),
    state: text('state')
      .$type<'pending' | 'ongoing' | 'succeeded' | 'failed' | 'cancelled'>()
      .notNull()
      .default('pending'),
    batch: integer('batch'),
    deploymentId: integer('deployment_id').references(() => deployments.id),
    /** The snapshot taken of its persistent MySQL databases just before the redeploy (restores it). */
    snapshotId: integer('snapshot_id'),
    attempts: integer('attempts').notNull().default(0),
    failureReason: text('failure_reason'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('campaign_items_campaign_instance_idx').on(t.campaignId, t.instanceId),
    index('campaign_items_instance_idx').on(t.instanceId),
  ],
);

/**
 * Cleanup events counted for `/metrics` (`expired`, `warned`, `extended`,
 * `slept`, `woken`): one row per event name, incremented in the transaction
 * that does the work, so every replica reports the same monotonic counter and
 * pruning the audit log never lowers it.
 */
export const cleanupCounters = pgTable('cleanup_counters', {
  event: text('event').primaryKey(),
  count: bigint('count', { mode: 'number' }).notNull().default(0),
  updatedAt: updatedAt(),
});

/**
 * Requests the builtin load balancer passed to a sandbox, per UTC day
 * (`YYYY-MM-DD`), counted in memory and added here every few seconds (the
 * activity report; never a write per request).
 */
export const instanceHits = pgTable(
  'instance_hits',
  {
    instanceId: integer('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    day: text('day').notNull(),
    hits: bigint('hits', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.day] })],
);

/** Distinct visitors of a sandbox per UTC day: an HMAC of the client address and the day, never the address. */
export const instanceVisitors = pgTable(
  'instance_visitors',
  {
    instanceId: integer('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    day: text('day').notNull(),
    visitor: text('visitor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.day, t.visitor] })],
);
