import { and, eq, sql } from 'drizzle-orm';
import { githubPullRequests } from '../../../drizzle/schema';
import type { PullRequestRecords } from '../../core/ports/pull-requests';
import type { Db } from './database';

/** The PullRequestRecords port on PostgreSQL. */
export function createPullRequestRecords(db: Db): PullRequestRecords {
  const first = <T>(rows: T[]): T | null => rows[0] ?? null;
  const byPr = (repository: string, number: number) =>
    and(sql`lower(${githubPullRequests.repository}) = lower(${repository})`, eq(githubPullRequests.number, number));
  return {
    async find(repository, number) {
      return first(await db.select().from(githubPullRequests).where(byPr(repository, number)));
    },
    async findByInstance(instanceId) {
      return first(
        await db.select().from(githubPullRequests).where(eq(githubPullRequests.instanceId, instanceId)).limit(1),
      );
    },
    async findByCheckRun(checkRunId) {
      return first(
        await db.select().from(githubPullRequests).where(eq(githubPullRequests.checkRunId, checkRunId)).limit(1),
      );
    },
    async get(id) {
      return first(await db.select().from(githubPullRequests).where(eq(githubPullRequests.id, id)));
    },
    async save(repository, number, values) {
      // Update first, insert when missing; a concurrent insert makes the second round an update.
      for (let round = 0; round < 2; round += 1) {
        const updated = await db
          .update(githubPullRequests)
          .set({ ...values, updatedAt: new Date() })
          .where(byPr(repository, number))
          .returning();
        if (updated[0]) return updated[0];
        const inserted = await db
          .insert(githubPullRequests)
          .values({ repository, number, ...values })
          .onConflictDoNothing()
          .returning();
        if (inserted[0]) return inserted[0];
      }
      throw new Error(`could not save the record of ${repository}#${number}`);
    },
    async listWaitingForQuota() {
      return db
        .select()
        .from(githubPullRequests)
        .where(and(eq(githubPullRequests.state, 'open'), eq(githubPullRequests.waiting, 'quota')));
    },
    async update(id, patch) {
      const rows = await db
        .update(githubPullRequests)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(githubPullRequests.id, id))
        .returning();
      return rows[0]!;
    },
  };
}
