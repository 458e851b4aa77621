import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/infra/db/database';
import { enqueue } from '../../src/infra/db/enqueue';
import { applyMaintenanceDefault } from '../../src/infra/db/maintenance-flag';
import { createTestDatabase } from '../support/database';
import { runSbxInProcess } from '../support/sbx-in-process';
import { freePort, spawnSbx, waitForStatus, type SbxProcess } from '../support/spawn-sbx';
import { waitFor } from '../support/wait-for';

/**
 * Maintenance mode across real processes: `sbx maintenance` in one (the test's,
 * in-process: a spawned sbx would only add seconds of tsx startup), a running
 * bot or worker in another (spawned: its boot and its own view of the flag are
 * what is tested).
 */
describe('sbx maintenance', () => {
  let database: Database;
  let dir: string;
  const started: SbxProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'sbx-maintenance-'));
  });
  afterAll(async () => {
    for (const process of started) await process.stop('SIGTERM');
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: database.url,
    SBX_DATA_DIR: dir,
    SBX_ACTOR: 'ops-alice',
    LOG_LEVEL: 'info',
    ...extra,
  });
  const sbx = (args: string[]) => runSbxInProcess(args, env({ LOG_LEVEL: 'warn' }));
  const pending = async (id: string) =>
    (await database.pool.query('select 1 from graphile_worker._private_jobs where id = $1', [id])).rowCount === 1;

  it('holds jobs while on (answers to PR commands still run), shows a banner, and resumes when off', async () => {
    expect((await sbx(['maintenance', 'status'])).stdout).toContain('maintenance mode is off');
    const port = await freePort();
    const bot = spawnSbx(['start'], env({ PORT: String(port) }));
    started.push(bot);
    await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, 60_000);

    const on = await sbx(['maintenance', 'on', '--message', 'upgrading PostgreSQL']);
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/maintenance mode is on since .* \(by ops-alice\): upgrading PostgreSQL/);
    // every process sees it within a second
    await waitFor(
      async () =>
        (await (await fetch(`http://127.0.0.1:${port}/`)).text()).includes(
          '<strong>In maintenance</strong>: upgrading PostgreSQL',
        ),
      { timeoutMs: 1_500, what: 'the banner' },
    );
    await waitFor(
      async () =>
        JSON.stringify(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).includes(
          'paused: maintenance mode',
        ),
      { timeoutMs: 3_000, what: 'the paused worker' },
    );
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    const held = await enqueue(database.pool, 'prune_logs', {});
    const answered = await enqueue(database.pool, 'run_pr_command', {
      repository: 'o/r',
      number: 1,
      installationId: null,
      login: 'someone',
      text: 'redeploy',
      action: null,
      commentId: null,
    });
    await waitFor(async () => !(await pending(answered.id)), {
      timeoutMs: 5_000,
      what: 'the PR command to be answered during maintenance',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await pending(held.id)).toBe(true);

    const status = await sbx(['maintenance', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ on: true, message: 'upgrading PostgreSQL', by: 'ops-alice' });

    expect((await sbx(['maintenance', 'off'])).stdout).toContain('maintenance mode is off');
    await waitFor(async () => !(await pending(held.id)), {
      timeoutMs: 5_000,
      what: 'the held job to run after maintenance',
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).not.toContain('In maintenance');
    const audit = await database.pool.query<{ action: string; actor: string }>(
      `select action, actor from audit_events where action like 'maintenance_%' order by id`,
    );
    expect(audit.rows).toEqual([
      { action: 'maintenance_on', actor: 'ops-alice' },
      { action: 'maintenance_off', actor: 'ops-alice' },
    ]);
    expect(await bot.stop('SIGTERM')).toBe(0);
  });

  it('worker.maintenance: true turns it on at boot only when the database has no state yet', async () => {
    await database.pool.query(`delete from system_flags where key = 'maintenance'`);
    const config = join(dir, 'sandbox.yml');
    writeFileSync(config, 'worker:\n  maintenance: true\n');
    const worker = spawnSbx(['worker'], env({ SBX_CONFIG: config }));
    started.push(worker);
    await waitFor(async () => (await sbx(['maintenance', 'status', '--json'])).stdout.includes('"on":true'), {
      timeoutMs: 30_000,
      what: 'the boot-time default',
    });
    expect(JSON.parse((await sbx(['maintenance', 'status', '--json'])).stdout)).toMatchObject({
      on: true,
      by: 'config (worker.maintenance)',
    });
    const held = await enqueue(database.pool, 'prune_logs', {});
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await pending(held.id)).toBe(true);
    await sbx(['maintenance', 'off']);
    await waitFor(async () => !(await pending(held.id)), { timeoutMs: 5_000, what: 'the held job' });
    expect(await worker.stop('SIGTERM')).toBe(0);

    // A restart with the same setting does not undo the operator's `off`: the boot above applied the default
    // through applyMaintenanceDefault; applying it again (what the next boot does) leaves the stored state alone.
    await applyMaintenanceDefault(database.db, true);
    expect(JSON.parse((await sbx(['maintenance', 'status', '--json'])).stdout)).toMatchObject({ on: false });
  });
});
