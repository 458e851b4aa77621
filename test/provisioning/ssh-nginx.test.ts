import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Instance } from '../../src/core/model';
import { createManualInstance } from '../../src/core/operations/create-instance';
import { activate, requestDeployment } from '../../src/core/operations/operations';
import { getWithHost, startNginx, type NginxHarness } from '../support/nginx';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { startSshd, type TestSshd } from '../support/sshd';
import { runSbx } from '../support/spawn-sbx';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';

/** End to end over real parts: OpenSSH sshd on loopback as the host, real nginx reached over SSH as the load balancer. */
const actor: Actor = { surface: 'cli', id: 'tester' };
let sshd: TestSshd;
let nginx: NginxHarness;
let repo: SampleRepo;
let t: TestBot;
let workRoot: string;

beforeAll(async () => {
  [sshd, nginx] = await Promise.all([startSshd(), startNginx()]);
  repo = createSampleRepo();
  const dir = mkdtempSync(join(tmpdir(), 'sbx-e2e-'));
  workRoot = join(dir, 'work');
  const keyPath = join(dir, 'id_host');
  writeFileSync(keyPath, sshd.privateKey, { mode: 0o600 });
  t = await startTestBot(`
base_domain: sandbox.test
repositories:
  - name: acme/sample
    url: ${repo.url}
    script:
      deploy: git rev-parse HEAD > built-commit.txt && echo built on the host && if [ "$SBX_SLUG" = slow ]; then for i in $(seq 1 30); do echo "step $i"; sleep 0.1; done; fi
      start: exec node server.mjs
      health_path: /healthz
      health_timeout: 20s
compute:
  provider: ssh
  hosts:
    - name: host-1
      address: 127.0.0.1
      port: ${sshd.port}
      user: root
      private_key_path: ${keyPath}
      host_key_fingerprint: "${sshd.hostKeyFingerprint}"
      work_root: ${workRoot}
      port_range: [31900, 31999]
load_balancer:
  provider: nginx
  nginx:
    host: host-1
    config_dir: ${nginx.configDir}
    name_prefix: sbx-
    test_command: ${JSON.stringify(nginx.testCommand)}
    reload_command: ${JSON.stringify(nginx.reloadCommand)}
    listen: "${nginx.listen}"
retention:
  min_age: 1h
`);
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await Promise.all([sshd?.stop(), nginx?.stop()]);
});

const store = () => t.bot.provisioning.store;
const instance = async (slug: string) => (await store().findInstanceBySlug(slug))!;
async function running(slug: string, number: number) {
  await waitFor(
    async () =>
      ['running', 'failed', 'error'].includes(
        (await store().findAppserver((await instance(slug)).id, number))?.state ?? '',
      ),
    { timeoutMs: 40_000, what: `${slug} appserver ${number}` },
  );
  return (await store().findAppserver((await instance(slug)).id, number))!;
}
async function create(slug: string): Promise<Instance> {
  return createManualInstance(store(), {
    slug,
    ref: 'main',
    globalFields: {},
    ephemeralDatabases: true,
    baseDomain: 'sandbox.test',
    actor,
    repository: { name: 'acme/sample', url: repo.url, defaultSettings: {}, defaultFields: {}, extraDomainPrefixes: [] },
  });
}
const answer = async (host: string) => {
  const response = await getWithHost(nginx.port, host);
  return {
    status: response.status,
    body: response.status === 200 ? (JSON.parse(response.body) as { commit: string; version: string }) : null,
  };
};

// Tests that deploy get 90 s: their waits allow up to 40 s (a deploy on a loaded machine) and `sbx deploy --timeout 60`.
describe('ssh host and nginx load balancer', () => {
  it('deploys on the SSH host and nginx routes the sandbox domain to the deployed commit', async () => {
    await requestDeployment({ store: store() }, await create('e2e'), { actor });
    const first = await running('e2e', 1);
    expect(first.failureReason).toBeNull();
    expect(first.workDir).toBe(`${workRoot}/e2e/appserver-1`);
    await waitFor(async () => (await instance('e2e')).activeAppserverId === first.id, { what: 'activation' });
    await nginx.settle();
    expect(await answer('e2e.sandbox.test')).toEqual({
      status: 200,
      body: expect.objectContaining({ commit: repo.head(), version: '1' }),
    });
    expect((await getWithHost(nginx.port, 'unknown.sandbox.test')).status).toBe(404);
    const log = (await store().readLog(first.id)).map((c) => c.content).join('');
    expect(log).toContain('built on the host');
  }, 90_000);

  it('redeploys and activates while a client polls: zero failed requests', async () => {
    const failures: string[] = [];
    const versions = new Set<string>();
    let polling = true;
    const poller = (async () => {
      for (
        const deadline = Date.now() + 60_000;
        polling && Date.now() < deadline;
        await new Promise((resolve) => setTimeout(resolve, 5))
      ) {
        try {
          const result = await answer('e2e.sandbox.test');
          if (result.status !== 200) failures.push(`HTTP ${result.status}`);
          else versions.add(result.body!.version);
        } catch (error) {
          failures.push(String(error));
        }
      }
    })();
    const head = repo.commit({ VERSION: '2\n' });
    await requestDeployment({ store: store() }, await instance('e2e'), { actor });
    const second = await running('e2e', 2);
    await waitFor(async () => (await instance('e2e')).activeAppserverId === second.id, {
      what: 'activation of appserver 2',
    });
    await waitFor(async () => (await answer('e2e.sandbox.test')).body?.commit === head, {
      what: 'nginx to route to appserver 2',
    });
    const first = await activate({ store: store() }, await instance('e2e'), { actor, number: 1 });
    await waitFor(async () => (await instance('e2e')).activeAppserverId === first.id, {
      what: 'activation of appserver 1',
    });
    await waitFor(async () => (await answer('e2e.sandbox.test')).body?.version === '1', {
      what: 'nginx to route back to appserver 1',
    });
    // That answer may come from the generation before the switch to 2 (it routed to 1 too) while the last reload
    // is still pending: only once nginx has acted on it does appserver 1 alone answer.
    await nginx.settle();
    expect((await answer('e2e.sandbox.test')).body?.version).toBe('1');
    polling = false;
    await poller;
    expect(failures).toEqual([]);
    expect([...versions].sort()).toEqual(['1', '2']);
  }, 90_000);

  it('when nginx -t fails, activation is refused and the previous appserver keeps serving', async () => {
    const broken = join(nginx.configDir, 'zz-broken.conf');
    writeFileSync(broken, 'this is not nginx configuration;\n');
    try {
      const cli = await runSbx(['deploy', 'e2e', '--wait', '--timeout', '60'], t.cliEnv);
      expect(cli.code).toBe(1);
      expect(cli.stdout).toMatch(/^failed: e2e appserver 3 is running but could not be activated: .*nginx/m);
      const third = await running('e2e', 3);
      expect(third.state).toBe('running');
      await waitFor(
        async () =>
          (
            await t.database.pool.query(
              `select 1 from audit_events where action = 'activate' and result = 'error' and detail->>'appserver' = '3'`,
            )
          ).rowCount === 1,
        { what: 'the failed activation in the audit log' },
      );
      expect((await instance('e2e')).activeAppserverId).not.toBe(third.id);
      expect((await answer('e2e.sandbox.test')).body?.version).toBe('1');
    } finally {
      rmSync(broken, { force: true });
    }
  }, 90_000);

  it('sbx doctor checks the SSH host and the nginx configuration', async () => {
    const result = await runSbx(['doctor', '--json'], t.cliEnv);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      checks: { check: string; status: string; detail: string }[];
    };
    expect(report.checks.find((c) => c.check === 'host host-1')).toMatchObject({ status: 'ok' });
    expect(report.checks.find((c) => c.check === 'load balancer (nginx)')).toMatchObject({ status: 'ok' });
    expect(result.code).toBe(0);
  });

  it('an unreachable host puts the new appserver in error with the reason, and the sandbox keeps serving', async () => {
    sshd.kill();
    try {
      await requestDeployment({ store: store() }, await instance('e2e'), { actor });
      await waitFor(
        async () =>
          ['error', 'failed'].includes((await store().findAppserver((await instance('e2e')).id, 4))?.state ?? ''),
        { timeoutMs: 40_000, what: 'appserver 4 to fail' },
      );
      const fourth = (await store().findAppserver((await instance('e2e')).id, 4))!;
      expect(fourth.state).toBe('error');
      expect(fourth.failureReason).toMatch(/ssh to host-1 \(127\.0\.0\.1:\d+\)/);
      expect((await answer('e2e.sandbox.test')).body?.version).toBe('1');
      const doctor = await runSbx(['doctor', '--json'], t.cliEnv);
      expect(doctor.code).toBe(1);
      const report = JSON.parse(doctor.stdout) as { checks: { check: string; status: string; detail: string }[] };
      expect(report.checks.find((c) => c.check === 'host host-1')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/ssh to host-1/),
      });
    } finally {
      await sshd.restart();
    }
  }, 90_000);

  it('a connection lost mid-deploy does not fail the deploy: it reconnects and follows on', async () => {
    await requestDeployment({ store: store() }, await create('slow'), { actor });
    const logText = async () => {
      const appserver = await store().findAppserver((await instance('slow')).id, 1);
      return appserver ? (await store().readLog(appserver.id)).map((c) => c.content).join('') : '';
    };
    await waitFor(async () => (await logText()).includes('step 3\n'), {
      timeoutMs: 30_000,
      what: 'the slow deploy to start',
    });
    sshd.kill();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await sshd.restart();
    const done = await running('slow', 1);
    expect(done.state).toBe('running');
    const steps = (await logText()).split('\n').filter((line) => /^step \d+$/.test(line));
    expect(steps).toEqual(Array.from({ length: 30 }, (_, i) => `step ${i + 1}`));
  }, 60_000);
});
