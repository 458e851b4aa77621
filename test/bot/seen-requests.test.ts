import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../../drizzle/schema';
import { createSightingRecorder } from '../../src/bot/seen-requests';
import type { Database, Db } from '../../src/infra/db/database';
import { createTestDatabase } from '../support/database';

let database: Database;
let pool: pg.Pool;
let statements = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  Object.assign(pool, {
    query: (...args: unknown[]) => {
      statements += 1;
      return query(...args);
    },
  });
});

afterAll(async () => {
  await pool?.end();
  await database?.close();
});

describe('the replay guard’s record of signatures', () => {
  it('records requests that arrive together in one statement, each new signature once', async () => {
    const firstSighting = createSightingRecorder(drizzle(pool, { schema }) as unknown as Db, 300);
    const timestamp = Math.floor(Date.now() / 1000);
    statements = 0;
    const requests = Array.from({ length: 40 }, (_, i) => ({ signature: `v0=${i % 30}`, timestamp }));
    const first = await Promise.all(requests.map((request) => firstSighting(request)));
    // 30 signatures, the first ten sent twice in the same turn: only their first sending is new.
    expect(first).toEqual(requests.map((_, i) => i < 30));
    expect(statements).toBe(1);
    const stored = await database.pool.query('select count(*)::int as n from slack_requests_seen');
    expect(stored.rows[0].n).toBe(30);

    // Later, one at a time: a replay of a stored signature is refused, a new one recorded at once.
    expect(await firstSighting({ signature: 'v0=3', timestamp })).toBe(false);
    expect(await firstSighting({ signature: 'v0=new', timestamp })).toBe(true);
    expect(statements).toBe(3);
  });

  it('fails every request of a batch whose statement fails', async () => {
    const broken = new pg.Pool({ connectionString: database.url.replace(/\/[^/]*$/, '/no_such_database'), max: 1 });
    broken.on('error', () => undefined);
    try {
      const firstSighting = createSightingRecorder(drizzle(broken, { schema }) as unknown as Db, 300);
      const results = await Promise.allSettled(
        [1, 2].map((i) => firstSighting({ signature: `v0=b${i}`, timestamp: 1 })),
      );
      expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    } finally {
      await broken.end();
    }
  });
});
