import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSandboxError } from '../../src/core/errors';
import { createMysqlAdmin } from '../../src/infra/databases/mysql-admin';
import { startMariadb, type MariadbHarness } from '../support/mariadb';
import { waitFor } from '../support/wait-for';

// A real MariaDB: the --pre-upgrade SQL of a campaign and its done marker commit in one transaction.
let mariadb: MariadbHarness;

beforeAll(async () => {
  mariadb = await startMariadb();
  await mariadb.root('CREATE DATABASE marker_app');
  await mariadb.root('CREATE TABLE marker_app.marks (n INT)');
}, 60_000);

afterAll(async () => {
  await mariadb?.stop();
}, 30_000);

const count = async () =>
  Number((await mariadb.root<{ n: number }[]>('SELECT COUNT(*) AS n FROM marker_app.marks'))[0]!.n);
const markerState = async (marker: string) =>
  (await mariadb.root<{ state: string }[]>('SELECT state FROM sbx_meta.pre_upgrade_runs WHERE marker = ?', [marker]))[0]
    ?.state ?? null;

describe('--pre-upgrade done markers', () => {
  it('runs the statements once: a repeated run (a crash before the campaign recorded it) finds the marker done', async () => {
    const admin = createMysqlAdmin(mariadb.adminUrl);
    expect(await admin.execute!('marker_app', ['INSERT INTO marks VALUES (1)'], 'run-1')).toBe('ran');
    expect(await markerState('run-1')).toBe('done');
    expect(await admin.execute!('marker_app', ['INSERT INTO marks VALUES (1)'], 'run-1')).toBe('already_done');
    expect(await count()).toBe(1);
    // Another run key is another run.
    expect(await admin.execute!('marker_app', ['INSERT INTO marks VALUES (1)'], 'run-2')).toBe('ran');
    expect(await count()).toBe(2);
  });

  it('rolls back a run whose connection is killed mid-way and never runs it again', async () => {
    const admin = createMysqlAdmin(mariadb.adminUrl);
    const before = await count();
    const running = admin.execute!('marker_app', ['INSERT INTO marks VALUES (3)', 'SELECT SLEEP(30)'], 'run-killed');
    const outcome = running.then(
      () => 'finished',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    let id = 0;
    await waitFor(
      async () => {
        const rows = await mariadb.root<{ id: number }[]>(
          "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(30)%'",
        );
        id = rows[0]?.id ?? 0;
        return id > 0;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'the second statement to be running' },
    );
    await mariadb.root(`KILL ${id}`);
    expect(await outcome).toMatch(/statement 2 \(SELECT SLEEP\(30\)\) failed on marker_app/);
    // The first statement was rolled back with the transaction; the marker says the run started and never finished.
    expect(await count()).toBe(before);
    expect(await markerState('run-killed')).toBe('started');
    const again = await admin.execute!('marker_app', ['INSERT INTO marks VALUES (3)'], 'run-killed').then(
      () => null,
      (error: unknown) => error,
    );
    expect(isSandboxError(again, 'conflict')).toBe(true);
    expect((again as Error).message).toMatch(/never finished .* not run again: check marker_app/);
    expect(await count()).toBe(before);
  }, 30_000);

  it('fails on the first failing statement, undoing the statements before it', async () => {
    const admin = createMysqlAdmin(mariadb.adminUrl);
    const before = await count();
    await expect(
      admin.execute!('marker_app', ['INSERT INTO marks VALUES (4)', 'SELECT * FROM no_such_table'], 'run-bad'),
    ).rejects.toThrow(/statement 2 \(SELECT \* FROM no_such_table\) failed on marker_app/);
    expect(await count()).toBe(before);
  });
});
