import { createHmac } from 'node:crypto';
import type { ActivityRecords, DailyActivity } from '../../core/ports/activity';
import type { CoreLogger } from '../../core/ports/other-ports';

/** Counts requests per sandbox in memory; `flush` adds them to the database (every `flushMs`, and at close). */
export interface HitCounter {
  note(instanceId: number, clientAddress: string | undefined): void;
  /** `hits` requests from these client addresses (nginx/HAProxy's request log, counted between two of its flushes). */
  add(instanceId: number, hits: number, clientAddresses: Iterable<string>): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Hits and unique visitors of each sandbox per UTC day, for the activity
 * report. A request costs two map updates and a set insert; the database
 * sees one batch per `flushMs`. A visitor is an HMAC of the day and the
 * client address under `secret`, computed at the flush: the same person is
 * one visitor per day on every replica, and the address itself is never
 * stored (it stays in memory until the next flush). A failed flush keeps
 * its counts for the next one.
 */
export function createHitCounter(options: {
  records: ActivityRecords;
  secret: string;
  logger: CoreLogger;
  now?: () => Date;
  flushMs?: number;
}): HitCounter {
  const now = options.now ?? (() => new Date());
  let pending = new Map<string, { instanceId: number; day: string; hits: number; visitors: Set<string> }>();

  const add = (instanceId: number, hits: number, clientAddresses: Iterable<string>) => {
    const day = now().toISOString().slice(0, 10);
    const key = `${instanceId}:${day}`;
    const entry = pending.get(key) ?? { instanceId, day, hits: 0, visitors: new Set<string>() };
    pending.set(key, entry);
    entry.hits += hits;
    // The address stays in memory until the flush, which hashes it once per day and sandbox.
    for (const address of clientAddresses) entry.visitors.add(address);
  };
  const note = (instanceId: number, clientAddress: string | undefined) =>
    add(instanceId, 1, clientAddress ? [clientAddress] : []);
  const visitorOf = (day: string, address: string) =>
    createHmac('sha256', options.secret).update(`${day}\n${address}`).digest('hex').slice(0, 24);

  async function flushNow(): Promise<void> {
    if (pending.size === 0) return;
    const taken = pending;
    pending = new Map();
    const batch: DailyActivity[] = [...taken.values()].map((e) => ({
      ...e,
      visitors: [...e.visitors].map((address) => visitorOf(e.day, address)),
    }));
    try {
      await options.records.record(batch);
    } catch (error) {
      for (const [key, entry] of taken) {
        const current = pending.get(key);
        if (!current) pending.set(key, entry);
        else {
          current.hits += entry.hits;
          for (const visitor of entry.visitors) current.visitors.add(visitor);
        }
      }
      options.logger.warn({ err: error, sandboxes: batch.length }, 'recording sandbox hits failed; retrying');
    }
  }
  // One flush at a time, in order.
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => (flushing = flushing.then(flushNow));
  const timer = setInterval(() => void flush(), options.flushMs ?? 10_000);
  timer.unref();
  return {
    note,
    add,
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
