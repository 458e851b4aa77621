import type pg from 'pg';
import { groupCalls } from '../infra/db/group-calls';
import { writeDeliveries } from '../infra/db/webhook-deliveries';
import { recordWithLookup, type RecordOutcome } from './record-delivery';
import type { DeliveryRoute } from './route-delivery';

export interface DeliveryRecorder {
  /**
   * Records the delivery and enqueues its job in one transaction; resolves once both are committed.
   * A delivery whose id or body digest (SHA-256 of the raw body) was seen before is a duplicate.
   */
  record(deliveryId: string, route: DeliveryRoute, bodyDigest: string | null): Promise<RecordOutcome>;
}

interface Pending {
  deliveryId: string;
  bodyDigest: string | null;
  route: Exclude<DeliveryRoute, { checkRun: object }>;
}

/** Statements writing deliveries at once; the rest of the pool stays free for everything else. */
const maxFlushesInFlight = 3;

/**
 * Group commit for webhook intake (`groupCalls`): deliveries that arrive
 * while earlier ones are being written go to PostgreSQL together, in one
 * statement (one transaction, one round trip): the delivery rows, then the
 * jobs of the deliveries that were new. Every request still waits for its
 * own commit before its 2xx. A lone delivery is written at once.
 */
export function createDeliveryRecorder(pool: pg.Pool): DeliveryRecorder {
  const recordTogether = groupCalls(async (batch: Pending[]): Promise<RecordOutcome[]> => {
    const inserted = await writeBatch(pool, batch);
    return batch.map((item) =>
      inserted.has(item)
        ? { kind: 'recorded', job: item.route.job, noop: item.route.job ? null : item.route.noop }
        : { kind: 'duplicate' },
    );
  }, maxFlushesInFlight);
  return {
    record(deliveryId, route, bodyDigest) {
      if ('checkRun' in route) return recordWithLookup(pool, deliveryId, route, bodyDigest);
      return recordTogether({ deliveryId, bodyDigest, route });
    },
  };
}

/** Writes one batch; returns the items whose delivery was new. */
async function writeBatch(pool: pg.Pool, batch: Pending[]): Promise<Set<Pending>> {
  const inserted = await writeDeliveries(
    pool,
    batch.map((item) => ({
      deliveryId: item.deliveryId,
      bodyDigest: item.bodyDigest,
      facts: item.route.facts,
      job: item.route.job,
    })),
  );
  const counted = new Set<string>();
  return new Set(
    batch.filter((item) => {
      // A delivery id twice in one batch counts once: the first.
      if (!inserted.has(item.deliveryId) || counted.has(item.deliveryId)) return false;
      counted.add(item.deliveryId);
      return true;
    }),
  );
}
