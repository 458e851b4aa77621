/**
 * The activity report's cost on the request path: what the builtin proxy does
 * per request (`HitCounter.note`: a map update and a set insert; the client
 * address is hashed at the flush), and what a flush of a busy interval costs (counted
 * as calls on an in-memory recorder: one `record` per flush, whatever the
 * number of requests). Goal: well under 10 µs per request.
 */
import type { BenchResult } from '../run';
import type { DailyActivity } from '../../src/core/ports/activity';
import { createHitCounter } from '../../src/infra/activity/hit-counter';

const requests = 200_000;
const sandboxes = 200;
const visitors = 500;

export default async function (): Promise<BenchResult> {
  const batches: DailyActivity[][] = [];
  const counter = createHitCounter({
    records: {
      record: async (batch) => void batches.push([...batch]),
      totalsSince: async () => new Map(),
    },
    secret: 'bench-secret-0123456789abcdef0123456789',
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never,
    flushMs: 3_600_000,
  });
  const addresses = Array.from({ length: visitors }, (_, i) => `10.0.${Math.floor(i / 250)}.${i % 250}`);
  for (let i = 0; i < 10_000; i += 1) counter.note(i % sandboxes, addresses[i % visitors]); // warm up
  await counter.flush();
  batches.length = 0;
  const started = performance.now();
  for (let i = 0; i < requests; i += 1) counter.note((i * 7) % sandboxes, addresses[(i * 13) % visitors]);
  const noteMs = performance.now() - started;
  const flushStarted = performance.now();
  await counter.flush();
  const flushMs = performance.now() - flushStarted;
  await counter.close();
  const batch = batches[0] ?? [];
  return {
    metrics: {
      requests,
      sandboxes,
      note_us_per_request: Number(((noteMs * 1_000) / requests).toFixed(3)),
      flush_record_calls: batches.length,
      flush_entries: batch.length,
      flush_visitor_rows: batch.reduce((sum, entry) => sum + entry.visitors.length, 0),
      flush_ms_in_memory: Number(flushMs.toFixed(2)),
    },
    notes:
      'in-memory recorder: the database sees one batch per flush (two INSERT statements in activity-records.ts), never a write per request',
  };
}
