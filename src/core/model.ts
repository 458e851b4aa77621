import type { AppserverState } from './appserver-state';

/*
 * The domain types core works with. They are core's own: the database rows
 * (drizzle/schema.ts) are mapped to them in src/infra/db, and
 * src/infra/db/row-types.ts fails to compile when the two drift apart.
 */

/** A sandbox: one long-lived deployment target with a stable domain. */
export interface Instance {
  id: number;
  slug: string;
  domain: string;
  extraDomains: string[];
  kind: 'pr' | 'manual';
  ref: string | null;
  createdAt: Date;
  updatedAt: Date;
  repositoryId: number | null;
  repoUrl: string | null;
  prRepo: string | null;
  prNumber: number | null;
  prUrl: string | null;
  prAuthor: string | null;
  prHeadSha: string | null;
  prFromFork: boolean;
  approvedBy: string | null;
  approvedSha: string | null;
  accessUser: string | null;
  accessPassword: string | null;
  settings: Record<string, unknown>;
  fields: Record<string, string>;
  databaseMode: 'ephemeral' | 'persistent';
  settingsErrors: unknown[];
  production: boolean;
  /** Who created a manual sandbox (`<surface>:<id>`), for the per-author quota; null for PR sandboxes. */
  createdBy: string | null;
  pinned: boolean;
  /** When the recipe's init phase last completed for this sandbox's data; null: the next deploy runs it. */
  initializedAt: Date | null;
  activeAppserverId: number | null;
  lastActivityAt: Date;
  /** When the sandbox is archived for inactivity (last activity + TTL, or later when extended); null: never (no TTL, or pinned). */
  expiresAt: Date | null;
  /** The expiry a warning was sent for; the warning goes once per expiry. */
  expiryWarnedFor: Date | null;
  /** When it was archived for inactivity (cleared on restore); a sync of its open PR restores it only for a new commit. */
  expiredAt: Date | null;
  /** When its active appserver was put to sleep for lack of requests (`sleep_after`); null: awake. */
  sleepingSince: Date | null;
  /** Last request the builtin load balancer passed on (flushed every few seconds); null: none recorded. */
  lastRequestAt: Date | null;
  /** When uptime probes marked it down (N failures in a row); null: up. */
  downSince: Date | null;
  /** Uptime probes failed in a row. */
  probeFailures: number;
  archivedAt: Date | null;
  deletedAt: Date | null;
}
export type NewInstance = Pick<Instance, 'slug' | 'domain' | 'kind'> & Partial<Instance>;

/** One attempt to deploy an instance's settings at one commit onto one host. */
export interface Appserver {
  id: number;
  instanceId: number;
  number: number;
  deploymentId: number | null;
  state: AppserverState;
  ref: string | null;
  commitSha: string | null;
  config: Record<string, unknown>;
  hostId: number | null;
  port: number | null;
  workDir: string | null;
  logOffset: number;
  logDroppedBytes: number;
  exitCode: number | null;
  serviceStartedAt: Date | null;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  configuringAt: Date | null;
  readyAt: Date | null;
  activatedAt: Date | null;
  terminatedAt: Date | null;
  finishedAt: Date | null;
}
export type NewAppserver = Pick<Appserver, 'instanceId' | 'config'> & Partial<Omit<Appserver, 'number' | 'state'>>;

/** A request to create appservers for an instance. */
export interface Deployment {
  id: number;
  instanceId: number;
  requestedBy: string;
  surface: Surface;
  ref: string | null;
  commitSha: string | null;
  attempts: number;
  activateOnSuccess: boolean;
  state: 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  createdAt: Date;
  finishedAt: Date | null;
}
export type NewDeployment = Pick<Deployment, 'instanceId' | 'requestedBy' | 'surface'> & Partial<Deployment>;

/** A machine that runs appservers. */
export interface Host {
  id: number;
  name: string;
  provider: 'local' | 'ssh' | 'openstack';
  address: string;
  port: number;
  user: string | null;
  capacity: number;
  portRangeLow: number;
  portRangeHigh: number;
  workRoot: string;
  labels: string[];
  privateKeyPath: string | null;
  privateKeyEnv: string | null;
  hostKeyFingerprint: string | null;
  knownHosts: string | null;
  acceptsNew: boolean;
  fromConfig: boolean;
  lastSeenAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
export type NewHost = Pick<
  Host,
  'name' | 'provider' | 'address' | 'capacity' | 'portRangeLow' | 'portRangeHigh' | 'workRoot'
> &
  Partial<Host>;

/** A watched repository as recorded. */
export interface Repository {
  id: number;
  name: string;
  url: string | null;
  recipe: string;
  defaultSettings: Record<string, unknown>;
  defaultFields: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

/** One line of the audit log: who did what, from where, to which sandbox, with what result. */
export interface AuditEvent {
  actor: string;
  surface: string;
  action: string;
  result: 'ok' | 'refused' | 'error';
  instanceId?: number | null;
  instanceSlug?: string | null;
  detail?: Record<string, unknown>;
  id?: number;
  at?: Date;
}

export type Surface = 'github' | 'slack' | 'web' | 'cli' | 'system';

/** Who asked, from where: every operation records it in the audit log. */
export interface Actor {
  surface: Surface;
  /** GitHub login, Slack user id, web login, or the OS user for the CLI. */
  id: string;
}

/** Everything an appserver needs to deploy, frozen when it is created. */
export interface AppserverConfig {
  recipe: string;
  repository: string | null;
  repoUrl: string;
  ref: string;
  commitSha: string | null;
  slug: string;
  domains: string[];
  settings: Record<string, unknown>;
  fields: Record<string, string>;
  databaseMode: 'ephemeral' | 'persistent';
  phases: RecipePhases;
  healthPath: string;
  healthTimeoutMs: number;
  /** Absent in appservers created before recipes declared them: GET, no Host header, 2xx. */
  health?: { method: 'GET' | 'HEAD' | 'OPTIONS'; host: string | null; maxStatus: number };
  /** Extra domains checked before the appserver counts as running. */
  smokeChecks?: { domain: string; path: string }[];
  proxy?: { forwardedHeaders: boolean; maxBodyBytes: number; connectTimeoutMs: number; readTimeoutMs: number };
  tasks?: Record<string, string>;
}

/** Shell text of each phase; run by the host-side runner with the sandbox env and vars file. */
export interface RecipePhases {
  deploy: string;
  start: string;
  stop: string | null;
  destroy: string | null;
  /** Run once per data set, after deploy and before start (first deploy, or after new persistent databases). */
  init?: string | null;
  /**
   * `service` (default): start runs in the foreground for the service's whole
   * life. `command`: start returns once the service runs elsewhere (systemd,
   * supervisor, containers); a non-zero exit fails the appserver.
   */
  startMode?: 'service' | 'command';
  /** Clone the repository at the commit before deploy (default true); false when the recipe fetches the code itself. */
  checkout?: boolean;
}
