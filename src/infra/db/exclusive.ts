import { sql } from 'drizzle-orm';
import type { Db } from './database';

/** Keys of the cluster-wide locks `exclusive` takes; each names one piece of work only one process may do at a time. */
export const exclusiveKeys = {
  /** Creating the bot's OpenStack security group: two processes that both find none would both create one. */
  openstackSecurityGroup: 7_340_010,
} as const;

/**
 * Runs `work` while holding a PostgreSQL advisory lock, so two bot processes
 * (or two workers) sharing the database never do it at the same time. The
 * lock lives in a transaction that does nothing else, on one pooled
 * connection held for the duration of `work`: keep `work` short.
 */
export function exclusive(db: Db, key: number): <T>(work: () => Promise<T>) => Promise<T> {
  return (work) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${key})`);
      return work();
    });
}
