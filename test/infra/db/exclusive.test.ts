import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../../../drizzle/schema';
import type { Database, Db } from '../../../src/infra/db/database';
import { exclusive, exclusiveKeys } from '../../../src/infra/db/exclusive';
import { createTestDatabase } from '../../support/database';
import { waitFor } from '../../support/wait-for';

let database: Database;
/** A second pool on the same database: another bot process. */
let otherPool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase();
  otherPool = new pg.Pool({ connectionString: database.url, max: 2 });
});

afterAll(async () => {
  await otherPool?.end();
  await database?.close();
});

const key = exclusiveKeys.openstackSecurityGroup;

describe('exclusive work across processes', () => {
  it('runs one holder at a time across two pools of one database, and lets go when the work fails', async () => {
    const events: string[] = [];
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstStarted!: () => void;
    const started = new Promise<void>((resolve) => (firstStarted = resolve));
    const one = exclusive(
      database.db,
      key,
    )(async () => {
      events.push('first in');
      firstStarted();
      await firstHolds;
      events.push('first out');
      throw new Error('the first holder failed');
    });
    await started;
    const two = exclusive(
      drizzle(otherPool, { schema }) as unknown as Db,
      key,
    )(async () => {
      events.push('second in');
      return 'second done';
    });
    // The second is queued on the lock inside PostgreSQL before the first lets go.
    await waitFor(
      async () =>
        (
          await database.pool.query(
            `select 1 from pg_locks where locktype = 'advisory' and objid = $1 and not granted`,
            [key],
          )
        ).rowCount === 1,
      { timeoutMs: 10_000, intervalMs: 20, what: 'the second holder waiting on the lock' },
    );
    expect(events).toEqual(['first in']);
    releaseFirst();
    await expect(one).rejects.toThrow('the first holder failed');
    await expect(two).resolves.toBe('second done');
    expect(events).toEqual(['first in', 'first out', 'second in']);
  });
});
