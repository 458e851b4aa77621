import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEnvFile } from '../../src/core/provisioning/work-files';
import type { Database } from '../../src/infra/db/database';
import { createSandboxStore } from '../../src/infra/db/sandbox-store';
import { createRedactor } from '../../src/core/redact';
import { createTestDatabase } from '../support/database';
import { runSbxInProcess } from '../support/sbx-in-process';
import { runSbx } from '../support/spawn-sbx';
import { startSshd, type TestSshd } from '../support/sshd';
import { createBareSandbox } from '../support/manual-sandbox';
import { idleRepositoryYml, localComputeYml } from '../support/sandbox-yml';

/*
 * Issue 17, `sbx exec`: an operator's command in an appserver's work
 * directory with the sandbox's variables, on the bot's machine and over a
 * real sshd; output streamed, exit status passed on, audited, admins only.
 */
let database: Database;
let sshd: TestSshd;
let dir: string;

const hostile = `it's "quoted" $(touch /tmp/sbx-exec-pwned) \`id\` ; rm -rf / #`;

beforeAll(async () => {
  [database, sshd] = await Promise.all([createTestDatabase(), startSshd()]);
  dir = mkdtempSync(join(tmpdir(), 'sbx-exec-'));
  writeFileSync(join(dir, 'id_host'), sshd.privateKey, { mode: 0o600 });
  writeFileSync(
    join(dir, 'sandbox.yml'),
    `
repositories:
${idleRepositoryYml('acme/app')}
${localComputeYml(join(dir, 'local-work'), { run_as: 'null', port_range: '[32300, 32309]' })}
`,
  );
  const store = createSandboxStore(database.db);
  // Both hosts, the local one as sync-hosts records it and the SSH one as `sbx hosts add` would.
  await store.upsertHost({
    name: 'local',
    provider: 'local',
    address: '127.0.0.1',
    port: 0,
    capacity: 5,
    portRangeLow: 32300,
    portRangeHigh: 32309,
    workRoot: join(dir, 'local-work'),
    fromConfig: true,
  });
  const sshHost = await store.upsertHost({
    name: 'ssh-1',
    provider: 'ssh',
    address: '127.0.0.1',
    port: sshd.port,
    user: 'root',
    capacity: 5,
    portRangeLow: 32310,
    portRangeHigh: 32319,
    workRoot: join(dir, 'ssh-work'),
    privateKeyPath: join(dir, 'id_host'),
    hostKeyFingerprint: sshd.hostKeyFingerprint,
    fromConfig: false,
  });
  const localHost = (await store.listHosts()).find((host) => host.name === 'local')!;
  for (const [slug, host] of [
    ['exec-local', localHost],
    ['exec-ssh', sshHost],
  ] as const) {
    const instance = await createBareSandbox(store, {
      slug,
      repository: { name: 'acme/app', url: 'file:///nonexistent/app.git' },
      baseDomain: 'localhost',
    });
    // Appserver 1 (not active) and 2 (active), each with its work directory and sandbox.env, as a deploy leaves them.
    for (const number of [1, 2]) {
      const workDir = join(host.workRoot, slug, `appserver-${number}`);
      mkdirSync(workDir, { recursive: true });
      writeFileSync(
        join(workDir, 'sandbox.env'),
        renderEnvFile({ SBX_SLUG: slug, SBX_APPSERVER: String(number), SBX_HOSTILE: hostile, PORT: '1' }),
      );
      writeFileSync(join(workDir, 'commit.txt'), `c0ffee${number}\n`);
      const appserver = await store.insertAppserver({
        instanceId: instance.id,
        config: {},
        hostId: host.id,
        workDir,
        port: host.portRangeLow + number,
      });
      await store.updateAppserver(appserver.id, { state: 'running' } as never);
      if (number === 2) await store.updateInstance(instance.id, { activeAppserverId: appserver.id });
    }
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([database?.close(), sshd?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({
  SBX_CONFIG: join(dir, 'sandbox.yml'),
  DATABASE_URL: database.url,
  SBX_DATA_DIR: join(dir, 'data'),
});

/** Runs sbx in this process as the given OS user (the identity admin-only commands check). */
const runAs = (osUser: { name: string; uid: number }, args: string[], extraEnv: Record<string, string> = {}) =>
  runSbxInProcess(args, { ...env(), ...extraEnv }, { osUser });

const audits = async (slug: string) =>
  (
    await database.pool.query(
      `select actor, surface, result, detail from audit_events where action = 'exec' and instance_slug = $1 order by id`,
      [slug],
    )
  ).rows as { actor: string; surface: string; result: string; detail: Record<string, unknown> }[];

describe('sbx exec', () => {
  it.each(['exec-local', 'exec-ssh'])(
    '%s: runs in the active appserver’s work directory with its variables, arguments passed verbatim',
    async (slug) => {
      const result = await runSbx(
        [
          'exec',
          slug,
          '--',
          'bash',
          '-c',
          'echo "$PWD|$SBX_SLUG|$SBX_APPSERVER|$SBX_COMMIT|$1|$SBX_HOSTILE"',
          'x',
          hostile,
        ],
        env(),
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const [pwd, ...rest] = result.stdout.trimEnd().split('|');
      expect(pwd).toMatch(new RegExp(`/${slug}/appserver-2$`));
      expect(rest).toEqual([slug, '2', 'c0ffee2', hostile, hostile]);
      expect(existsSync('/tmp/sbx-exec-pwned')).toBe(false);
      const audited = (await audits(slug)).at(-1)!;
      expect(audited).toMatchObject({ surface: 'cli', result: 'ok', detail: { appserver: 2, exitCode: 0 } });
      expect(audited.detail.command).toEqual(['bash', '-c', expect.any(String), 'x', hostile]);
    },
    60_000,
  );

  it.each(['exec-local', 'exec-ssh'])(
    '%s: picks appserver 1 when named, streams stdout and stderr, and exits with the command’s status',
    async (slug) => {
      const result = await runSbx(['exec', slug, '1', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7'], env());
      expect(result).toMatchObject({ code: 7, stdout: 'out\n', stderr: 'err\n' });
      expect((await audits(slug)).at(-1)).toMatchObject({ result: 'error', detail: { appserver: 1, exitCode: 7 } });
    },
    60_000,
  );

  it('streams output while the command still runs', async () => {
    const chunks: { at: number; text: string }[] = [];
    const started = Date.now();
    const store = createSandboxStore(database.db);
    const { execInAppserver } = await import('../../src/core/operations/exec-in-appserver');
    const { createHostDirectory } = await import('../../src/infra/hosts/host-directory');
    const hosts = createHostDirectory({ env: {} });
    try {
      const result = await execInAppserver(
        { store, hosts, redactor: createRedactor([]) },
        {
          reference: 'exec-ssh',
          appserver: null,
          // The second line is written only after the first one has arrived here.
          command: ['sh', '-c', 'echo first; while [ ! -e go ]; do sleep 0.05; done; rm go; echo second'],
          actor: { surface: 'cli', id: 'tester' },
          onOutput: (_stream, chunk) => {
            chunks.push({ at: Date.now() - started, text: chunk.toString() });
            if (chunk.toString().includes('first'))
              writeFileSync(join(dir, 'ssh-work', 'exec-ssh', 'appserver-2', 'go'), '');
          },
        },
      );
      expect(result.exitCode).toBe(0);
      expect(chunks.map((chunk) => chunk.text).join('')).toBe('first\nsecond\n');
    } finally {
      await hosts.closeAll();
    }
  }, 30_000);

  it('refuses anyone but admins, whatever SBX_ACTOR says, and audits the refusal', async () => {
    const before = (await audits('exec-local')).length;
    const refused = await runAs({ name: 'mallory', uid: 4242 }, ['exec', 'exec-local', '--', 'true'], {
      SBX_ACTOR: 'root',
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('sbx: sbx exec is for admins; mallory is neither root nor the owner');
    const after = await audits('exec-local');
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({
      actor: 'mallory',
      surface: 'cli',
      result: 'refused',
      detail: { command: ['true'] },
    });

    const root = await runAs({ name: 'root', uid: 0 }, ['exec', 'exec-local', '--', 'true'], { SBX_ACTOR: 'alice' });
    expect(root).toMatchObject({ code: 0, stderr: '' });
    expect((await audits('exec-local')).at(-1)).toMatchObject({ actor: 'root', result: 'ok' });

    // A secret typed on the command line is stored redacted, allowed or refused.
    const typed = ['true', 'DB_PASSWORD=hunter22-typed', 'mysql://app:s3cret-typed@db/app'];
    expect(await runAs({ name: 'root', uid: 0 }, ['exec', 'exec-local', '--', ...typed])).toMatchObject({ code: 0 });
    expect((await audits('exec-local')).at(-1)?.detail.command).toEqual([
      'true',
      'DB_PASSWORD=***',
      'mysql://app:***@db/app',
    ]);
    await runAs({ name: 'mallory', uid: 4242 }, ['exec', 'exec-local', '--', ...typed]);
    expect(JSON.stringify((await audits('exec-local')).at(-1))).not.toMatch(/hunter22|s3cret/);
  }, 30_000);

  it('with cli.admins set, only the listed users may', async () => {
    const config = join(dir, 'admins.yml');
    writeFileSync(config, 'cli:\n  admins: [ops-carol]\ncompute:\n  local:\n    run_as: null\n');
    const carol = await runAs({ name: 'ops-carol', uid: 5000 }, ['exec', 'exec-local', '--', 'true'], {
      SBX_CONFIG: config,
    });
    expect(carol).toMatchObject({ code: 0, stderr: '' });
    const rootUser = await runAs({ name: 'root', uid: 0 }, ['exec', 'exec-local', '--', 'true'], {
      SBX_CONFIG: config,
    });
    expect(rootUser).toMatchObject({ code: 1 });
    expect(rootUser.stderr).toContain('root is not in cli.admins (ops-carol)');
  }, 30_000);

  it.each([
    [['exec', 'exec-local'], 'name the command after `--`'],
    [['exec', 'exec-local', '--'], 'name the command after `--`'],
    [['exec', 'exec-local', 'two', '--', 'true'], 'expected at most an appserver number'],
    [['exec', 'exec-local', '9', '--', 'true'], 'exec-local has no appserver 9 with a work directory (it has 1, 2)'],
    [['exec', 'nope', '--', 'true'], 'no sandbox matches "nope"'],
  ])('explains bad input: %j', async (args, message) => {
    const result = await runAs({ name: 'root', uid: 0 }, args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });
});
