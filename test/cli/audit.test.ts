import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTokenFile } from '../../src/infra/local-token';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { runSbx } from '../support/spawn-sbx';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';
import { createBareSandbox } from '../support/manual-sandbox';

/*
 * Issue 17, audit views: `sbx audit` (a real process) and the web's audit
 * page and sandbox history show who did what where, and how queued work
 * finally ended (the job's outcome, or the deployment's state).
 */

let t: TestBot;
let repo: SampleRepo;
beforeAll(async () => {
  repo = createSampleRepo();
  t = await startTestBot(`
repositories:
  - name: acme/app
    url: ${repo.url}
    script:
      deploy: "true"
      start: exec node server.mjs
      health_path: /healthz
      health_timeout: 15s
`);
  const repository = t.config.repositories[0]!;
  await createBareSandbox(t.bot.provisioning.store, {
    slug: 'audit-box',
    repository,
    baseDomain: t.config.base_domain,
  });
}, 60_000);
afterAll(async () => {
  const idle = async () =>
    (await t.database.pool.query(`select 1 from deployments where state in ('pending', 'running') limit 1`))
      .rowCount === 0;
  if (t) await waitFor(idle, { timeoutMs: 60_000, what: 'the deploys to end' }).catch(() => undefined);
  await t?.stop();
});

interface Event {
  actor: string;
  surface: string;
  action: string;
  instance: string | null;
  result: string;
  outcome: string | null;
  jobId: string | null;
}
const audit = async (...args: string[]) => {
  const answer = await runSbx(['audit', '--json', ...args], { ...t.cliEnv, SBX_ACTOR: 'ops-bob' });
  expect(answer.code, answer.stderr).toBe(0);
  return (JSON.parse(answer.stdout) as { events: Event[] }).events;
};

describe('audit views', () => {
  it('records the final outcome of queued work, linked to its job, and sbx audit filters it', async () => {
    const idle = async () =>
      (await t.database.pool.query(`select 1 from deployments where state in ('pending', 'running') limit 1`))
        .rowCount === 0;
    await waitFor(idle, { timeoutMs: 60_000, what: 'the first deploy to end' });
    const deployed = await runSbx(['deploy', 'audit-box'], { ...t.cliEnv, SBX_ACTOR: 'ops-bob' });
    expect(deployed.code, deployed.stderr).toBe(0);
    await waitFor(
      async () =>
        ['succeeded', 'failed'].includes(
          (await audit('--instance', 'audit-box')).find((e) => e.action === 'deploy')?.outcome ?? '',
        ),
      { timeoutMs: 30_000, what: 'the deploy outcome (the deployment state)' },
    );
    const archived = await runSbx(['archive', 'audit-box'], { ...t.cliEnv, SBX_ACTOR: 'ops-bob' });
    expect(archived.code, archived.stderr).toBe(0);
    await waitFor(
      async () =>
        (await audit('--instance', 'audit-box', '--actor', 'ops-bob')).some(
          (e) => e.action === 'archive' && e.outcome === 'succeeded',
        ),
      { timeoutMs: 20_000, what: 'the archive outcome' },
    );
    const [archive] = await audit('--instance', 'audit-box', '--actor', 'ops-bob', '--since', '1h');
    expect(archive).toMatchObject({
      actor: 'ops-bob',
      surface: 'cli',
      action: 'archive',
      instance: 'audit-box',
      result: 'ok',
      outcome: 'succeeded',
      jobId: expect.stringMatching(/^\d+$/),
    });
    expect(await audit('--surface', 'slack')).toEqual([]);
    const text = await runSbx(['audit', '--instance', 'audit-box'], t.cliEnv);
    expect(text.stdout).toMatch(/^AT \(UTC\)\s+ACTOR\s+SURFACE\s+ACTION\s+SANDBOX\s+RESULT\s+OUTCOME/);
    expect(text.stdout).toMatch(/ops-bob\s+cli\s+archive\s+audit-box\s+ok\s+succeeded \(job \d+\)/);
    expect((await runSbx(['audit', '--since', 'yesterday'], t.cliEnv)).code).toBe(2);
  }, 150_000); // its waits (60 s + 30 s + 20 s) and six sbx processes

  it('the web shows the same, with filters, and a sandbox its own history; signed out, nothing', async () => {
    expect((await fetch(`${t.url}/audit`)).status).toBe(401);
    const token = readFileSync(join(t.config.data_dir, localTokenFile), 'utf8').trim();
    const signIn = await fetch(`${t.url.replace('127.0.0.1', 'localhost')}/auth/local?token=${token}`, {
      redirect: 'manual',
    });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const page = await (
      await fetch(`${t.url}/audit?instance=audit-box&actor=ops-bob&surface=cli&since=1h`, { headers: { cookie } })
    ).text();
    expect(page).toMatch(/<td>ops-bob<\/td><td>cli<\/td><td>archive<\/td>/);
    expect(page).toContain('job ');
    expect(page).not.toContain('<td>setup</td>');
    const history = await (await fetch(`${t.url}/sandboxes/audit-box`, { headers: { cookie } })).text();
    expect(history).toContain('<h2 id="history">History</h2>');
    expect(history).toMatch(/<td>ops-bob<\/td><td>cli<\/td><td>archive<\/td>/);
    expect(history).toMatch(/<td>setup<\/td><td>cli<\/td><td>create<\/td>/);
  });
});
