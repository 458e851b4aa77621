import type {
  appservers,
  auditEvents,
  deployments,
  githubPullRequests,
  hosts,
  instances,
  repositories,
} from '../../../drizzle/schema';
import type {
  Appserver,
  AuditEvent,
  Deployment,
  Host,
  Instance,
  NewAppserver,
  NewDeployment,
  NewHost,
  NewInstance,
  Repository,
} from '../../core/model';
import type { PullRequestRecord, PullRequestRecordPatch } from '../../core/ports/pull-requests';

/*
 * Core defines its domain types itself (core never imports drizzle); the
 * store adapters hand rows over as those types. These checks fail to compile
 * when a column is added to (or changed in) drizzle/schema.ts without the
 * domain type in src/core following: add the field there too.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;

export type RowTypesMatch = [
  Check<Same<Instance, typeof instances.$inferSelect>>,
  Check<Same<Omit<Appserver, 'state'>, Omit<typeof appservers.$inferSelect, 'state'>>>,
  Check<Same<Deployment, typeof deployments.$inferSelect>>,
  Check<Same<Host, typeof hosts.$inferSelect>>,
  Check<Same<Repository, typeof repositories.$inferSelect>>,
  Check<Same<PullRequestRecord, typeof githubPullRequests.$inferSelect>>,
  // What core inserts, the database accepts.
  Check<NewInstance extends typeof instances.$inferInsert ? true : false>,
  Check<NewAppserver extends Omit<typeof appservers.$inferInsert, 'number' | 'state'> ? true : false>,
  Check<NewDeployment extends typeof deployments.$inferInsert ? true : false>,
  Check<NewHost extends typeof hosts.$inferInsert ? true : false>,
  Check<AuditEvent extends typeof auditEvents.$inferInsert ? true : false>,
  Check<PullRequestRecordPatch extends Partial<typeof githubPullRequests.$inferInsert> ? true : false>,
];
