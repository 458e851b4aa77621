import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncHosts } from '../../src/app/sync-hosts';
import { checkDiskSpace, parseDf, parseSize } from '../../src/cli/doctor-disk';
import { configSchema } from '../../src/config/schema';
import type { Database } from '../../src/infra/db/database';
import { createSandboxStore } from '../../src/infra/db/sandbox-store';
import { createTestDatabase } from '../support/database';
import { runSbx } from '../support/spawn-sbx';
import { startSshd, type TestSshd } from '../support/sshd';

// Issue 17, `sbx doctor` complete: free space of every host's work root, locally and over a real sshd.
let database: Database;
let sshd: TestSshd;
let dir: string;

beforeAll(async () => {
  [database, sshd] = await Promise.all([createTestDatabase(), startSshd()]);
  dir = mkdtempSync(join(tmpdir(), 'sbx-doctor-disk-'));
  writeFileSync(join(dir, 'id_host'), sshd.privateKey, { mode: 0o600 });
}, 30_000);

afterAll(async () => {
  await Promise.all([database?.close(), sshd?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const sshConfig = () =>
  configSchema.parse({
    compute: {
      provider: 'ssh',
      hosts: [
        {
          name: 'host-1',
          address: '127.0.0.1',
          port: sshd.port,
          user: 'root',
          private_key_path: join(dir, 'id_host'),
          host_key_fingerprint: sshd.hostKeyFingerprint,
          // Not created yet: df measures the nearest existing parent.
          work_root: join(dir, 'ssh-work', 'not', 'yet'),
          port_range: [32100, 32199],
        },
      ],
    },
  });

describe('doctor: disk space of work roots', () => {
  it.each([
    ['500M', 500 * 1024 ** 2],
    ['2G', 2 * 1024 ** 3],
    ['1.5T', 1.5 * 1024 ** 4],
    ['10GiB', 10 * 1024 ** 3],
    ['4096', 4096],
  ])('reads the size %s', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it('refuses sizes it cannot read', () => {
    expect(() => parseSize('lots')).toThrow('write e.g. 500M, 2G or 1.5T');
    expect(() => parseDf('df: /nope: No such file or directory')).toThrow('unexpected df output');
  });

  it('measures a host over SSH: ok above the threshold, a failure with a hint below it', async () => {
    const config = sshConfig();
    await syncHosts(createSandboxStore(database.db), config);
    const ok = await checkDiskSpace({ config, database, env: {}, options: { minFreeBytes: 1024 } });
    expect(ok).toEqual([
      expect.objectContaining({
        check: 'disk space on host-1',
        status: 'ok',
        detail: expect.stringMatching(/ free of .* at \/.*\(work root .*ssh-work\/not\/yet\)$/),
      }),
    ]);
    const low = await checkDiskSpace({ config, database, env: {}, options: { minFreeBytes: 2 ** 60 } });
    expect(low).toEqual([
      expect.objectContaining({
        check: 'disk space on host-1',
        status: 'fail',
        detail: expect.stringContaining('below the 1073741824.0 GiB asked for'),
        hint: expect.stringContaining('compute.hosts (host-1) work_root'),
      }),
    ]);
  });

  it('reports an unreachable host as a failure, not a crash', async () => {
    const config = sshConfig();
    await createSandboxStore(database.db).upsertHost({
      name: 'host-gone',
      provider: 'ssh',
      address: '127.0.0.1',
      port: 1,
      user: 'root',
      capacity: 1,
      portRangeLow: 32200,
      portRangeHigh: 32299,
      workRoot: '/srv/sbx',
      privateKeyPath: join(dir, 'id_host'),
      fromConfig: false,
    });
    const results = await checkDiskSpace({ config, database, env: {}, options: { minFreeBytes: 1024 } });
    expect(results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'disk space on host-gone', status: 'fail', hint: expect.any(String) }),
      ]),
    );
  });

  it('sbx doctor --min-free fails the run (exit 1, JSON and table), and rejects a bad size', async () => {
    const configDir = mkdtempSync(join(dir, 'local-'));
    writeFileSync(
      join(configDir, 'sandbox.yml'),
      `compute:\n  local:\n    work_root: ${join(configDir, 'work')}\n    run_as: null\n`,
    );
    const fresh = await createTestDatabase();
    try {
      const env = { SBX_CONFIG: join(configDir, 'sandbox.yml'), DATABASE_URL: fresh.url, SBX_DATA_DIR: configDir };
      const json = await runSbx(['doctor', '--json', '--min-free', '1000000T'], env);
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout) as { ok: boolean; checks: { check: string; status: string }[] };
      expect(report.ok).toBe(false);
      expect(report.checks).toContainEqual(expect.objectContaining({ check: 'disk space on local', status: 'fail' }));
      const table = await runSbx(['doctor', '--min-free', '1K'], env);
      expect(table.stdout).toMatch(/^ok {4}disk space on local +[\d.]+ [GMK]iB free of /m);
      const bad = await runSbx(['doctor', '--min-free', 'plenty'], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--min-free: "plenty" is not a size');
    } finally {
      await fresh.close();
    }
  }, 90_000);
});
