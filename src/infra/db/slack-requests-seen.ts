import { sql } from 'drizzle-orm';
import type { Db } from './database';

/** A signed Slack request, named by its signature and the timestamp it was signed with. */
export interface SignedRequest {
  signature: string;
  timestamp: number;
}

/**
 * Remembers the signatures in one statement; returns those that were not
 * there before (a signature twice in the list is new once). Rows received
 * more than three windows ago go in the same statement: their timestamps
 * are refused by the clock check before they could be looked up.
 */
export async function firstSightings(
  db: Db,
  requests: readonly SignedRequest[],
  windowSeconds: number,
): Promise<Set<string>> {
  const rows = JSON.stringify(requests.map(({ signature, timestamp }) => ({ signature, timestamp })));
  const result = await db.execute<{ signature: string }>(sql`
    with pruned as (delete from slack_requests_seen where received_at < now() - make_interval(secs => ${3 * windowSeconds}))
    insert into slack_requests_seen (signature, request_timestamp)
    select signature, timestamp from json_to_recordset(${rows}::json) as seen(signature text, timestamp bigint)
    on conflict (signature) do nothing returning signature`);
  return new Set(result.rows.map((row) => row.signature));
}
