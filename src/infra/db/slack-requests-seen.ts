import { sql } from 'drizzle-orm';
import type { Db } from './database';

/**
 * Remembers the signature; false when it was already there. Rows received
 * more than three windows ago go in the same statement: their timestamps
 * are refused by the clock check before they could be looked up.
 */
export async function firstSighting(
  db: Db,
  signature: string,
  timestamp: number,
  windowSeconds: number,
): Promise<boolean> {
  const result = await db.execute(sql`
    with pruned as (delete from slack_requests_seen where received_at < now() - make_interval(secs => ${3 * windowSeconds}))
    insert into slack_requests_seen (signature, request_timestamp) values (${signature}, ${timestamp})
    on conflict (signature) do nothing returning signature`);
  return result.rows.length === 1;
}
