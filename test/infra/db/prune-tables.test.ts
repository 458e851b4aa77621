import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/infra/db/database';
import { pruneTables, readTableSizes } from '../../../src/infra/db/prune-tables';
import { createTestDatabase } from '../../support/database';

/* Issue 16: the bot's own tables are pruned past their retention ages (the test picks "now"), and /metrics can tell whether pruning keeps up. */

const day = 86_400_000;
const now = new Date('2026-06-01T04:00:00Z');
const ago = (days: number) => new Date(now.getTime() - days * day);
let database: Database;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

async function addJob(key: string, failed: boolean, lastAttempt: Date): Promise<void> {
  await database.pool.query(
    `select graphile_worker.add_job('report_instance', '{"instanceId": 1}'::json, job_key => $1, max_attempts => 3)`,
    [key],
  );
  if (failed)
    await database.pool.query(
      `update graphile_worker._private_jobs set attempts = max_attempts, updated_at = $2 where key = $1`,
      [key, lastAttempt],
    );
  else
    await database.pool.query(`update graphile_worker._private_jobs set updated_at = $2 where key = $1`, [
      key,
      lastAttempt,
    ]);
}

describe('pruning the bot’s own tables', () => {
  it('deletes rows past each table’s age and keeps the rest', async () => {
    const q = (text: string, values: unknown[]) => database.pool.query(text, values);
    const instance = await q(
      `insert into instances (slug, domain, kind) values ('pruned', 'pruned.test', 'manual') returning id`,
      [],
    );
    const appserver = await q(
      `insert into appservers (instance_id, number, config) values ($1, 1, '{}') returning id`,
      [instance.rows[0].id],
    );
    for (const [offset, at] of [
      [0, ago(40)],
      [10, ago(1)],
    ] as const)
      await q(`insert into log_chunks (appserver_id, "offset", content, created_at) values ($1, $2, 'x', $3)`, [
        appserver.rows[0].id,
        offset,
        at,
      ]);
    // A runtime log: two old chunks, one recent; pruning the old ones counts them as not kept.
    await q(`insert into runtime_logs (appserver_id, start_offset, "offset", dropped_bytes) values ($1, 100, 130, 0)`, [
      appserver.rows[0].id,
    ]);
    for (const [offset, at] of [
      [100, ago(45)],
      [110, ago(31)],
      [120, ago(2)],
    ] as const)
      await q(
        `insert into runtime_log_chunks (appserver_id, "offset", content, created_at) values ($1, $2, 'ten bytes\n', $3)`,
        [appserver.rows[0].id, offset, at],
      );
    for (const [id, at] of [
      ['old', ago(31)],
      ['new', ago(29)],
    ] as const)
      await q(`insert into webhook_deliveries (delivery_id, event, received_at) values ($1, 'ping', $2)`, [id, at]);
    for (const [action, at] of [
      ['old', ago(400)],
      ['new', ago(300)],
    ] as const)
      await q(`insert into audit_events (actor, surface, action, result, at) values ('t', 'cli', $1, 'ok', $2)`, [
        action,
        at,
      ]);
    await q(
      `insert into worker_heartbeats (worker_id, process, last_seen_at) values ('dead', 'worker', $1), ('alive', 'worker', $2)`,
      [ago(2), now],
    );
    await addJob('failed-long-ago', true, ago(31));
    await addJob('failed-recently', true, ago(2));
    await addJob('waiting', false, ago(60));

    const pruned = await pruneTables(
      database.pool,
      { logsMs: 30 * day, deliveriesMs: 30 * day, failedJobsMs: 30 * day, auditMs: 365 * day, heartbeatsMs: day },
      now,
    );
    expect(pruned).toEqual({
      log_chunks: 1,
      runtime_log_chunks: 2,
      webhook_deliveries: 1,
      graphile_jobs: 1,
      audit_events: 1,
      worker_heartbeats: 1,
    });
    const keys = await q(`select key from graphile_worker._private_jobs order by key`, []);
    expect(keys.rows.map((row) => row.key)).toEqual(['failed-recently', 'waiting']);
    // Twice is safe: nothing more to prune.
    expect(
      Object.values(
        await pruneTables(
          database.pool,
          { logsMs: 30 * day, deliveriesMs: 30 * day, failedJobsMs: 30 * day, auditMs: 365 * day, heartbeatsMs: day },
          now,
        ),
      ),
    ).toEqual([0, 0, 0, 0, 0, 0]);
    const runtime = await q(`select dropped_bytes from runtime_logs where appserver_id = $1`, [appserver.rows[0].id]);
    expect(Number(runtime.rows[0].dropped_bytes)).toBe(20);
    const kept = await q(`select "offset" from runtime_log_chunks where appserver_id = $1`, [appserver.rows[0].id]);
    expect(kept.rows.map((row) => Number(row.offset))).toEqual([120]);

    const sizes = await readTableSizes(database.pool);
    expect(sizes.map(({ table, rows }) => [table, rows])).toEqual([
      ['log_chunks', 1],
      ['runtime_log_chunks', 1],
      ['webhook_deliveries', 1],
      ['graphile_jobs', 1],
      ['audit_events', 1],
      ['worker_heartbeats', 1],
    ]);
    expect(sizes.find((s) => s.table === 'audit_events')!.oldestSeconds).toBeGreaterThan(299 * 86_400);
  });
});
