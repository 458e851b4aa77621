import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeUsage } from '../../src/core/usage/summarize-usage';
import { queryUsage } from '../../src/infra/db/usage-report';
import { localTokenFile } from '../../src/infra/local-token';
import { runSbx } from '../support/spawn-sbx';
import { startTestBot, type TestBot } from '../support/test-bot';

// Issue 16, the cost report: rows written at known times, read by `sbx report usage` and the /usage page.
let t: TestBot;
const hour = 3_600_000;
const now = Date.now();
const ago = (ms: number) => new Date(now - ms);

beforeAll(async () => {
  t = await startTestBot(`
repositories:
  - name: acme/app
    script:
      deploy: "true"
      start: exec node server.mjs
  - name: acme/other
    script:
      deploy: "true"
      start: exec node server.mjs
`);
  const pool = t.database.pool;
  const instance = async (slug: string, values: { kind: 'pr' | 'manual'; repo: string; author: string }) =>
    (
      await pool.query<{ id: number }>(
        `insert into instances (slug, domain, kind, pr_repo, pr_author, created_by, pr_number)
         values ($1, $1 || '.localhost', $2, $3, $4, $5, $6) returning id`,
        [
          slug,
          values.kind,
          values.repo,
          values.kind === 'pr' ? values.author : null,
          values.kind === 'manual' ? values.author : null,
          values.kind === 'pr' ? Number(/\d+/.exec(slug)![0]) : null,
        ],
      )
    ).rows[0]!.id;
  const appserver = async (
    instanceId: number,
    number: number,
    row: { state: string; created: Date; terminated?: Date; finished?: Date },
  ) =>
    pool.query(
      `insert into appservers (instance_id, number, state, config, created_at, terminated_at, finished_at, updated_at)
       values ($1, $2, $3, '{}', $4, $5, $6, $7)`,
      [instanceId, number, row.state, row.created, row.terminated ?? null, row.finished ?? null, new Date(now)],
    );
  const audit = (instanceId: number, action: string, at: Date) =>
    pool.query(
      `insert into audit_events (at, actor, surface, action, instance_id, result) values ($1, $2, 'system', $2, $3, 'ok')`,
      [at, action, instanceId],
    );

  // pr1-app: appserver 1 lived 4 h; appserver 2 is alive since 6 h ago and slept from 3 h to 2 h ago.
  const pr1 = await instance('pr1-app', { kind: 'pr', repo: 'acme/app', author: 'dev' });
  await appserver(pr1, 1, { state: 'terminated', created: ago(10 * hour), terminated: ago(6 * hour) });
  await appserver(pr1, 2, { state: 'running', created: ago(6 * hour) });
  await audit(pr1, 'sleep', ago(3 * hour));
  await audit(pr1, 'wake', ago(2 * hour));
  // demo: 11 days, of which the last day falls in the 30-day window.
  const demo = await instance('demo', { kind: 'manual', repo: 'acme/app', author: 'slack:U0ALICE' });
  await appserver(demo, 1, { state: 'terminated', created: ago(40 * 24 * hour), terminated: ago(29 * 24 * hour) });
  // pr2-other: failed after an hour, never terminated; counts to its failure.
  const pr2 = await instance('pr2-other', { kind: 'pr', repo: 'acme/other', author: 'ann' });
  await appserver(pr2, 1, { state: 'failed', created: ago(5 * hour), finished: ago(4 * hour) });
  // pr3-old: entirely before the window.
  const pr3 = await instance('pr3-old', { kind: 'pr', repo: 'acme/other', author: 'ann' });
  await appserver(pr3, 1, { state: 'terminated', created: ago(60 * 24 * hour), terminated: ago(45 * 24 * hour) });
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe('sbx report usage', { timeout: 60_000 }, () => {
  it('sums appserver-hours per repository, author and sandbox, with sleep apart, over the period', async () => {
    const usage = summarizeUsage(
      await queryUsage(t.database.pool, { since: ago(30 * 24 * hour), until: new Date(now) }),
    );
    expect(usage.sandbox).toEqual([
      { key: 'demo', appserverHours: 24, sleepingHours: 0, appservers: 1 },
      { key: 'pr1-app', appserverHours: 9, sleepingHours: 1, appservers: 2 },
      { key: 'pr2-other', appserverHours: 1, sleepingHours: 0, appservers: 1 },
    ]);
    expect(usage.repository).toEqual([
      { key: 'acme/app', appserverHours: 33, sleepingHours: 1, appservers: 3 },
      { key: 'acme/other', appserverHours: 1, sleepingHours: 0, appservers: 1 },
    ]);
    expect(usage.author.map((line) => [line.key, line.appserverHours])).toEqual([
      ['slack:U0ALICE', 24],
      ['dev', 9],
      ['ann', 1],
    ]);
    // A shorter period clips every interval to it: the last 2.5 h hold 2.5 h of pr1-app's appserver 2, 0.5 h asleep.
    const recent = summarizeUsage(await queryUsage(t.database.pool, { since: ago(2.5 * hour), until: new Date(now) }));
    expect(recent.sandbox).toEqual([{ key: 'pr1-app', appserverHours: 2, sleepingHours: 0.5, appservers: 1 }]);
  });

  it('prints a table, JSON and CSV, and refuses a bad period', async () => {
    const text = await runSbx(['report', 'usage'], t.cliEnv);
    expect({ code: text.code, stderr: text.stderr }).toEqual({ code: 0, stderr: '' });
    expect(text.stdout).toContain('per repository');
    // pr1-app's appserver 2 is still alive: it grows while the test runs (hundredths of an hour), the rest is fixed.
    expect(text.stdout).toMatch(/acme\/app\s+33\.0\d\s+1\.00\s+3/);
    // demo's day ends 29 days ago: the window, counted from when the command runs, moves by the test's own duration.
    expect(text.stdout).toMatch(/slack:U0ALICE\s+(23\.9\d|24\.00)/);

    const json = await runSbx(['report', 'usage', '--since', '7d', '--json'], t.cliEnv);
    const parsed = JSON.parse(json.stdout) as { repository: { key: string; appserverHours: number }[] };
    expect(parsed.repository.map((line) => [line.key, Math.floor(line.appserverHours)])).toEqual([
      ['acme/app', 9],
      ['acme/other', 1],
    ]);

    const csv = await runSbx(['report', 'usage', '--csv'], t.cliEnv);
    const [header, app, other] = csv.stdout.split('\n');
    expect(header).toBe('group,key,appserver_hours,sleeping_hours,appservers');
    expect(app).toMatch(/^repository,acme\/app,33\.0\d,1\.00,3$/);
    expect(other).toBe('repository,acme/other,1.00,0.00,1');

    const bad = await runSbx(['report', 'usage', '--since', 'last month'], t.cliEnv);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--since "last month"');
  });

  it('the /usage page shows the same table to signed-in people only', async () => {
    expect((await fetch(`${t.url}/usage`)).status).toBe(401);
    const token = readFileSync(join(t.config.data_dir, localTokenFile), 'utf8').trim();
    const signIn = await fetch(`${t.url.replace('127.0.0.1', 'localhost')}/auth/local?token=${token}`, {
      redirect: 'manual',
    });
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const page = await (await fetch(`${t.url}/usage?since=30d`, { headers: { cookie } })).text();
    expect(page).toMatch(/<td>acme\/app<\/td><td>33\.0\d<\/td><td>1\.00<\/td><td>3<\/td>/);
    expect(page).toMatch(/<a href="\/sandboxes\/pr1-app">pr1-app<\/a><\/td><td>9\.0\d<\/td><td>1\.00<\/td>/);
    expect(page).toMatch(/<td>slack:U0ALICE<\/td><td>(23\.9\d|24\.00)<\/td>/);
    expect((await fetch(`${t.url}/usage?since=soon`, { headers: { cookie } })).status).toBe(400);
  });
});
