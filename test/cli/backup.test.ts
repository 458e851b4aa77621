import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database';
import { freePort, runSbx } from '../support/spawn-sbx';

/*
 * Issue 17: `sbx backup` / `sbx restore-backup` round trip, real processes
 * against a throwaway PostgreSQL 15 cluster (Debian's; the pg_dump here is 15).
 */

const bin = '/usr/lib/postgresql/15/bin';
let dir: string;
let port: number;
let url: string;
let started = false;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sbx-backup-'));
  chmodSync(dir, 0o777);
  port = await freePort();
  const data = join(dir, 'pg');
  const asPostgres = (args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'pipe', timeout: 60_000 });
  asPostgres([join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  asPostgres([
    join(bin, 'pg_ctl'),
    '-D',
    data,
    '-o',
    `-p ${port} -k ${dir} -h 127.0.0.1 -F`,
    '-l',
    join(dir, 'pg.log'),
    '-w',
    'start',
  ]);
  started = true;
  url = `postgres://postgres@127.0.0.1:${port}/bot`;
  asPostgres([join(bin, 'createdb'), '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'bot']);
}, 60_000);
afterAll(() => {
  if (started)
    execFileSync(
      'runuser',
      ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', join(dir, 'pg'), '-m', 'immediate', '-w', 'stop'],
      { stdio: 'pipe', timeout: 30_000 },
    );
  rmSync(dir, { recursive: true, force: true });
});

describe('sbx backup and restore-backup', () => {
  it('round-trips the database: tables, audit log and queued jobs', async () => {
    const env = { DATABASE_URL: url, SBX_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' };
    expect((await runSbx(['migrate'], env)).code).toBe(0);
    expect((await runSbx(['maintenance', 'on', '--message', 'before the backup'], env)).code).toBe(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`select graphile_worker.add_job('prune_logs', '{}'::json)`);
      const out = join(dir, 'backups');
      const backup = await runSbx(['backup', '--out', out], env);
      expect(backup.code, backup.stderr).toBe(0);
      const [file] = readdirSync(out);
      expect(file).toMatch(/^sandbox-bot-.*\.dump$/);
      expect(statSync(join(out, file!)).mode & 0o777).toBe(0o600);
      expect(backup.stdout).toContain(`sbx restore-backup ${join(out, file!)}`);

      await client.query(`delete from system_flags`);
      await client.query(`delete from audit_events`);
      await client.query(`delete from graphile_worker._private_jobs`);
      const restored = await runSbx(['restore-backup', join(out, file!)], env);
      expect(restored.code, restored.stderr).toBe(0);

      expect((await runSbx(['maintenance', 'status', '--json'], env)).stdout).toContain(
        '"message":"before the backup"',
      );
      expect((await client.query(`select action from audit_events`)).rows).toEqual([{ action: 'maintenance_on' }]);
      expect((await client.query(`select 1 from graphile_worker._private_jobs`)).rowCount).toBe(1);
      expect((await runSbx(['migrate'], env)).code).toBe(0);

      // a running worker (a recent heartbeat) makes a restore refuse without --force
      await client.query(`insert into worker_heartbeats (worker_id, process) values ('w1', 'elsewhere:1')`);
      const refused = await runSbx(['restore-backup', join(out, file!)], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('workers are running (elsewhere:1)');
    } finally {
      await client.end();
    }
  }, 120_000);

  it('says which pg_dump it needs when none is new enough for the server', async () => {
    const database = await createTestDatabase();
    try {
      const { rows } = await database.pool.query<{ v: string }>(`select current_setting('server_version_num') as v`);
      const major = Math.floor(Number(rows[0]!.v) / 10_000);
      const answer = await runSbx(['backup', '--out', join(dir, 'nope')], {
        DATABASE_URL: database.url,
        SBX_DATA_DIR: join(dir, 'data'),
        SBX_PG_DUMP: '/nonexistent',
      });
      if (major > 15) {
        expect(answer.code).toBe(1);
        expect(answer.stderr).toContain(`no pg_dump for PostgreSQL ${major} or newer`);
      } else {
        expect(answer.code, answer.stderr).toBe(0);
      }
    } finally {
      await database.close();
    }
  });
});
