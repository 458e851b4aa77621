import type { Db } from '../infra/db/database';
import { groupCalls } from '../infra/db/group-calls';
import { firstSightings, type SignedRequest } from '../infra/db/slack-requests-seen';

/** Statements writing signatures at once; the rest of the pool stays free for the commands themselves. */
const maxFlushesInFlight = 2;

/**
 * Group commit for the replay guard (`groupCalls`): signatures that arrive
 * while earlier ones are being written go to PostgreSQL together, in one
 * statement, and each request still waits for its own row to be committed.
 * A lone request is written at once. Resolves false for a signature seen
 * before (also earlier in the same batch).
 */
export function createSightingRecorder(db: Db, windowSeconds: number): (request: SignedRequest) => Promise<boolean> {
  return groupCalls(async (batch: SignedRequest[]) => {
    const inserted = await firstSightings(db, batch, windowSeconds);
    // In arrival order: the first of two equal signatures in one batch is new, the second a replay.
    return batch.map((request) => inserted.delete(request.signature));
  }, maxFlushesInFlight);
}
