import type { Db } from '../infra/db/database';
import { firstSightings, type SignedRequest } from '../infra/db/slack-requests-seen';

interface Pending extends SignedRequest {
  resolve(first: boolean): void;
  reject(error: unknown): void;
}

/** Statements writing signatures at once; the rest of the pool stays free for the commands themselves. */
const maxFlushesInFlight = 2;

/**
 * Group commit for the replay guard: signatures that arrive while earlier
 * ones are being written go to PostgreSQL together, in one statement, and
 * each request still waits for its own row to be committed. A lone request
 * is written at once. Resolves false for a signature seen before (also
 * earlier in the same batch).
 */
export function createSightingRecorder(db: Db, windowSeconds: number): (request: SignedRequest) => Promise<boolean> {
  let queue: Pending[] = [];
  let inFlight = 0;

  const pump = () => {
    while (queue.length && inFlight < maxFlushesInFlight) {
      const batch = queue;
      queue = [];
      inFlight += 1;
      void firstSightings(db, batch, windowSeconds)
        .then(
          (inserted) => {
            for (const item of batch) {
              item.resolve(inserted.delete(item.signature));
            }
          },
          (error: unknown) => batch.forEach((item) => item.reject(error)),
        )
        .finally(() => {
          inFlight -= 1;
          pump();
        });
    }
  };

  return (request) =>
    new Promise((resolve, reject) => {
      queue.push({ ...request, resolve, reject });
      // Let the requests read in this turn of the event loop join the batch.
      if (queue.length === 1) setImmediate(pump);
    });
}
