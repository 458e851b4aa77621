import { systemFlags } from '../../../drizzle/schema';
import type { Db } from './database';

/** Records `key` in `system_flags` once: true for the first caller in any process, false ever after. */
export async function claimOnce(db: Db, key: string): Promise<boolean> {
  const inserted = await db
    .insert(systemFlags)
    .values({ key, value: { claimedAt: new Date().toISOString() } })
    .onConflictDoNothing()
    .returning({ key: systemFlags.key });
  return inserted.length === 1;
}
