import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { describeCliError } from '../../src/cli/describe-error';
import type { Database } from '../../src/infra/db/database';
import { createTestDatabase } from '../support/database';
import { freePort, runSbx } from '../support/spawn-sbx';

describe('sbx when PostgreSQL goes away', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.close();
  });

  it('a query whose connection the server ended says what happened and what to do, not "Failed query"', async () => {
    const running = database.db.execute(sql`select pg_sleep(10)`).then(
      () => null,
      (error: unknown) => error,
    );
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    for (let i = 0; i < 50; i++) {
      const found = await admin.query(`select pid from pg_stat_activity where query like 'select pg_sleep(10)%'`);
      if (found.rowCount) {
        await admin.query('select pg_terminate_backend($1)', [found.rows[0].pid]);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await admin.end();
    const failure = await running;
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^Failed query/);
    const words = describeCliError(failure);
    expect(words).toMatch(/^lost the connection to PostgreSQL \(/);
    expect(words).toContain('npm start');
    expect(words).not.toContain('select');
  });

  it('a bad query is still reported as a failed query, with the server’s words', async () => {
    const failure = await database.db
      .execute(sql`select no_such_column from instances`)
      .catch((error: unknown) => error);
    expect(describeCliError(failure)).toBe('a database query failed: column "no_such_column" does not exist');
  });

  it('the real command against a server that is down exits 1 saying it cannot connect', async () => {
    const port = await freePort();
    const cwd = mkdtempSync(join(tmpdir(), 'sbx-no-db-'));
    const result = await runSbx(
      ['instances', 'list'],
      { DATABASE_URL: `postgres://sbx:pw@127.0.0.1:${port}/sbx`, SBX_DATA_DIR: join(cwd, 'data'), LOG_LEVEL: 'warn' },
      { cwd },
    );
    rmSync(cwd, { recursive: true, force: true });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('sbx: cannot connect to PostgreSQL at');
    expect(result.stderr).not.toContain('Failed query');
  });
});
