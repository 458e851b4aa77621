import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestDeployment } from '../../src/core/operations/operations';
import { uptimeProbeAgent } from '../../src/core/sleep/sleep-policy';
import { createActivityRecords } from '../../src/infra/db/activity-records';
import { localTokenFile } from '../../src/infra/local-token';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { runSbx } from '../support/spawn-sbx';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';
import { createBareSandbox } from '../support/manual-sandbox';
import { sampleRepositoryYml } from '../support/sandbox-yml';
import { requestText, type TextAnswer } from '../support/http-request';

// The whole bot with the builtin load balancer; real requests reach real appservers through it.
let repo: SampleRepo;
let t: TestBot;

beforeAll(async () => {
  repo = createSampleRepo();
  t = await startTestBot(`
repositories:
${sampleRepositoryYml('acme/sample', repo.url, { health_timeout: '10s' })}
retention:
  min_age: 1h
`);
  const config = t.config.repositories[0]!;
  for (const [slug, fields] of [
    ['act-a', { contact_email: 'ops@example.com' }],
    ['act-b', {}],
  ] as const) {
    const instance = await createBareSandbox(t.bot.provisioning.store, {
      slug,
      repository: { name: config.name, url: config.url },
      settings: { fields },
      baseDomain: t.config.base_domain,
      actor: { surface: 'cli', id: 'tester' },
    });
    await t.bot.provisioning.store.updateInstance(instance.id, { fields: { ...fields } });
    await requestDeployment({ store: t.bot.provisioning.store }, instance, { actor: { surface: 'cli', id: 'tester' } });
    await waitFor(async () => (await t.bot.provisioning.store.getInstance(instance.id))?.activeAppserverId !== null, {
      timeoutMs: 30_000,
      what: `${slug} active`,
    });
  }
}, 90_000);

afterAll(async () => {
  await t?.stop();
});

/** A GET through the bot's port with a sandbox's Host, from a chosen loopback address (another visitor). */
function get(
  host: string,
  { from = '127.0.0.1', headers = {} }: { from?: string; headers?: Record<string, string> } = {},
): Promise<TextAnswer> {
  const url = new URL(t.url);
  return requestText({
    host: '127.0.0.1',
    port: url.port,
    path: '/',
    localAddress: from,
    agent: false,
    headers: { host, ...headers },
  });
}

describe('the activity report', () => {
  it('counts hits and unique visitors through the builtin proxy, in batches, and reports them as CSV', async () => {
    const port = new URL(t.url).port;
    const a = `act-a.${t.config.base_domain}:${port}`;
    const b = `act-b.${t.config.base_domain}:${port}`;
    for (let i = 0; i < 4; i += 1) expect((await get(a)).status).toBe(200);
    expect((await get(a, { from: '127.0.0.2' })).status).toBe(200);
    expect((await get(b, { from: '127.0.0.3' })).status).toBe(200);
    // The bot's own uptime probes are not visitors.
    expect((await get(b, { headers: { 'user-agent': uptimeProbeAgent } })).status).toBe(200);

    // Nothing is written per request: the counts arrive with the next periodic flush.
    const records = createActivityRecords(t.database.db as never);
    const store = t.bot.provisioning.store;
    const [idA, idB] = [(await store.findInstanceBySlug('act-a'))!.id, (await store.findInstanceBySlug('act-b'))!.id];
    await waitFor(
      async () => {
        const totals = await records.totalsSince('2000-01-01');
        return totals.get(idA)?.hits === 5 && totals.get(idB)?.hits === 1;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'the flushed counts' },
    );
    const totals = await records.totalsSince('2000-01-01');
    expect(totals.get(idA)).toEqual({ hits: 5, visitors: 2 });
    expect(totals.get(idB)).toEqual({ hits: 1, visitors: 1 });
    const stored = await t.database.pool.query<{ visitor: string }>('select visitor from instance_visitors');
    expect(stored.rows.every((row) => /^[0-9a-f]{24}$/.test(row.visitor))).toBe(true);

    const out = join(tmpdir(), `sbx-activity-${process.pid}.csv`);
    const cli = await runSbx(['activity-csv', '--out', out], { ...t.cliEnv, LOG_LEVEL: 'silent' });
    expect(cli.code, cli.stderr).toBe(0);
    const csv = readFileSync(out, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('host,domain,name,appserver,contact_email,hits_30d,unique_visitors_30d,age_days');
    // The bot's own machine is the one host here (provider local).
    const host = 'local';
    expect(lines.slice(1)).toEqual([
      `${host},act-a.${t.config.base_domain},act-a,1,ops@example.com,5,2,0`,
      `${host},act-b.${t.config.base_domain},act-b,1,N/A,1,1,0`,
    ]);

    // The web: only for people signed in.
    expect((await fetch(`${t.url}/activity.csv`)).status).toBe(401);
    const token = readFileSync(join(t.config.data_dir, localTokenFile), 'utf8').trim();
    const signIn = await fetch(`${t.url}/auth/local?token=${token}`, { redirect: 'manual' });
    const cookie = String(signIn.headers.get('set-cookie')).split(';')[0]!;
    const web = await fetch(`${t.url}/activity.csv`, { headers: { cookie } });
    expect(web.status).toBe(200);
    expect(web.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await web.text()).toBe(csv);
  }, 60_000);
});
