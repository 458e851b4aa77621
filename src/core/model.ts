import type { appservers, auditEvents, deployments, hosts, instances, repositories } from '../../drizzle/schema';
import type { AppserverState } from './appserver-state';

/** Rows as core sees them (types only: core never touches the database itself). */
export type Instance = typeof instances.$inferSelect;
export type NewInstance = typeof instances.$inferInsert;
export type Appserver = Omit<typeof appservers.$inferSelect, 'state'> & { state: AppserverState };
export type NewAppserver = Omit<typeof appservers.$inferInsert, 'number' | 'state'>;
export type Deployment = typeof deployments.$inferSelect;
export type NewDeployment = typeof deployments.$inferInsert;
export type Host = typeof hosts.$inferSelect;
export type NewHost = typeof hosts.$inferInsert;
export type Repository = typeof repositories.$inferSelect;
export type AuditEvent = typeof auditEvents.$inferInsert;

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
}

/** Shell text of each phase; run by the host-side runner with the sandbox env and vars file. */
export interface RecipePhases {
  deploy: string;
  start: string;
  stop: string | null;
  destroy: string | null;
}
