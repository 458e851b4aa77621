import { describe, expect, it } from 'vitest';
import { statusOfInstance } from '../../src/core/instance-status';
import type { Actor, Instance } from '../../src/core/model';
import { requestDeployment } from '../../src/core/operations/operations';
import type { ProvisioningDeps } from '../../src/core/provisioning/deps';
import { sweepExpiry } from '../../src/core/expiry/sweep-expiry';
import { findDrift } from '../../src/core/provisioning/reconcile';
import { sleepSandbox, sweepSleep } from '../../src/core/sleep/sleep-sandboxes';
import { wakeSandbox } from '../../src/core/sleep/wake-sandbox';
import { createExpiryPolicy } from '../../src/infra/expiry-policy';
import { createSleepPolicy } from '../../src/infra/sleep-policy';
import { instanceJson } from '../../src/cli/present';
import { renderStatus } from '../../src/infra/slack/render/render-status';
import { expiryWords } from '../../src/infra/slack/render/describe';
import { launchChromium, loopbackContext } from '../support/browser';
import { createConfiguredSandbox, viaBuiltinProxy } from '../support/manual-sandbox';
import { sampleRepository, useSlackTestBot } from '../support/slack-test-bot';
import { waitFor } from '../support/wait-for';

/*
 * Issue 16, sleep and wake through the builtin load balancer: real
 * PostgreSQL, real deploys of the sample app (script recipe, local
 * provider), a real browser. The sleep decision runs on a clock the test
 * holds; the wake a browser request asks for runs in the bot's own worker.
 */

const actor: Actor = { surface: 'cli', id: 'tester' };
const minute = 60_000;
const hour = 60 * minute;
let clock = new Date();

const s = useSlackTestBot(`
repositories:${sampleRepository('acme/sleepy', 'REPO_URL')}
    sleep_after: 1h
    manual_ttl: 1d
web:
  auth:
    public_read: true
uptime:
  enabled: false
runtime_log:
  interval: 200ms
`);

const store = () => s.t.bot.provisioning.store;
const deps = (): ProvisioningDeps => ({ ...s.t.bot.provisioning, now: () => clock });
const policy = () => createSleepPolicy(s.t.config);
const fresh = async (slug: string) => (await store().findInstanceBySlug(slug))!;
const status = async (slug: string) => {
  const instance = await fresh(slug);
  return statusOfInstance(instance, await store().listAppservers(instance.id));
};

async function deployed(slug: string): Promise<Instance> {
  const instance = await createConfiguredSandbox(s.t, slug, 'acme/sleepy', {}, actor);
  await requestDeployment({ store: store() }, instance, { actor });
  await waitFor(async () => (await status(slug)) === 'running', { timeoutMs: 60_000, what: `${slug} running` });
  return fresh(slug);
}

async function serviceAlive(instance: Instance): Promise<boolean> {
  const appserver = (await store().getAppserver(instance.activeAppserverId!))!;
  const host = (await store().getHost(appserver.hostId!))!;
  const answer = await s.t.bot.provisioning.hosts
    .transportFor(host)
    .exec(['bash', `${appserver.workDir}/sbx-run.sh`, 'status'], { timeoutMs: 15_000 });
  return answer.stdout.includes('service.pid alive');
}

/** Pending (or running) runtime log follow jobs of an appserver. */
async function runtimeFollows(appserverId: number): Promise<number> {
  const result = await s.t.database.pool.query<{ n: string }>(
    `select count(*) as n from graphile_worker._private_jobs j
       join graphile_worker._private_tasks t on t.id = j.task_id
      where t.identifier = 'follow_runtime_log' and (j.payload->>'appserverId')::int = $1`,
    [appserverId],
  );
  return Number(result.rows[0]!.n);
}

async function audits(slug: string, action: string): Promise<number> {
  const result = await s.t.database.pool.query<{ n: string }>(
    'select count(*) as n from audit_events where instance_slug = $1 and action = $2',
    [slug, action],
  );
  return Number(result.rows[0]!.n);
}

describe('sleep after sleep_after without requests, wake on the next request', () => {
  it('records requests cheaply, sleeps once idle, shows a waking page that reloads into the app', async () => {
    const nap = await deployed('nap');
    const domain = nap.domain;
    expect((await viaBuiltinProxy(s.t.url, domain)).status).toBe(200);
    // Written from memory every few seconds, not one query per request.
    await waitFor(async () => (await fresh('nap')).lastRequestAt !== null, {
      timeoutMs: 15_000,
      what: 'the request time to be flushed',
    });
    const requested = (await fresh('nap')).lastRequestAt!;

    clock = new Date(requested.getTime() + 59 * minute);
    expect(await sweepSleep(deps(), policy())).toEqual([]);
    expect(await sleepSandbox(deps(), policy(), nap.id)).toBe(false);

    clock = new Date(requested.getTime() + hour + minute);
    expect(await sweepSleep(deps(), policy())).toEqual(['nap']);
    expect(await sleepSandbox(deps(), policy(), nap.id)).toBe(true);
    expect(await sleepSandbox(deps(), policy(), nap.id)).toBe(false);
    expect((await fresh('nap')).sleepingSince).toEqual(clock);
    expect(await serviceAlive(nap)).toBe(false);
    expect(await status('nap')).toBe('sleeping');
    expect(await audits('nap', 'sleep')).toBe(1);
    // `sbx instances list --json` and Slack's `/sandbox status` say the same.
    const asleep = await fresh('nap');
    const appservers = await store().listAppservers(nap.id);
    expect(instanceJson(asleep, appservers).state).toBe('sleeping');
    const links = { status: `${s.t.url}/sandboxes/nap`, sandboxes: [`http://${domain}`] };
    expect(JSON.stringify(renderStatus({ instance: asleep, appservers, deployments: [], links }))).toContain(
      'asleep on appserver 1',
    );
    // Reconcile knows a stopped service of a sleeping sandbox is on purpose: not "vanished", not failed.
    const drift = await findDrift(deps());
    expect(drift.filter((item) => item.kind === 'vanished_process' && item.slug === 'nap')).toEqual([]);
    // Sleeping sandboxes are not swept again.
    expect(await sweepSleep(deps(), policy())).toEqual([]);

    // The status page says so to anyone who may read it.
    const statusPage = await fetch(`${s.t.url}/sandboxes/nap`);
    expect(await statusPage.text()).toContain('sleeping');

    const browser = await launchChromium();
    try {
      const context = await loopbackContext(browser);
      const page = await context.newPage();
      const first = await page.goto(`http://${domain}:${s.t.bot.port}/`);
      expect(first?.status()).toBe(503);
      expect(first?.headers()['retry-after']).toBe('3');
      expect(await page.textContent('body')).toContain('waking up');
      // The page reloads itself until the start phase answers, then shows the app.
      const app = await page.waitForResponse((r) => r.url().includes(domain) && r.status() === 200, {
        timeout: 60_000,
      });
      expect(await app.text()).toContain('"slug":"nap"');
      await page.waitForLoadState();
      expect(await page.textContent('body')).toContain('"slug":"nap"');
      expect(context.blocked).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }
    const woken = await fresh('nap');
    expect(woken.sleepingSince).toBeNull();
    expect(await status('nap')).toBe('running');
    expect(await serviceAlive(woken)).toBe(true);
    expect(await audits('nap', 'wake')).toBe(1);
    const counters = await s.t.database.pool.query<{ event: string; count: string }>(
      `select event, count::text from cleanup_counters where event in ('slept', 'woken') order by event`,
    );
    expect(counters.rows).toEqual([
      { event: 'slept', count: '1' },
      { event: 'woken', count: '1' },
    ]);
    expect((await viaBuiltinProxy(s.t.url, domain)).status).toBe(200);
  }, 120_000);

  it('does not count sleeping time as idle for the TTL', async () => {
    const doze = await deployed('doze');
    const before = await fresh('doze');
    clock = new Date(Math.max(before.lastActivityAt.getTime(), Date.now()) + hour + minute);
    const expiry = { store: store(), policy: createExpiryPolicy(s.t.config), now: () => clock };
    await sweepExpiry(expiry);
    const expiresAt = (await fresh('doze')).expiresAt!;
    expect(expiresAt.getTime()).toBe(before.lastActivityAt.getTime() + 24 * hour);
    expect(await sleepSandbox(deps(), policy(), doze.id)).toBe(true);
    // Asleep, its runtime log is not polled: the follow chain ends (the worker runs its last copy).
    await waitFor(async () => (await runtimeFollows(doze.activeAppserverId!)) === 0, {
      what: 'the runtime log follow to stop while asleep',
    });

    // Three days asleep: far past its 1d manual_ttl, yet it does not expire while asleep.
    clock = new Date(clock.getTime() + 3 * 24 * hour);
    expect((await sweepExpiry(expiry)).expired).not.toContain('doze');
    const asleep = await fresh('doze');
    expect(asleep.archivedAt).toBeNull();
    expect(expiryWords(asleep)).toContain('paused while asleep');

    expect(await wakeSandbox(deps(), doze.id)).toBe('awake');
    // Awake again: its runtime log is followed again (queued at the test clock's time, so still pending).
    expect(await runtimeFollows(doze.activeAppserverId!)).toBe(1);
    const awake = await fresh('doze');
    const slept = clock.getTime() - asleep.sleepingSince!.getTime();
    expect(awake.lastActivityAt.getTime()).toBe(asleep.lastActivityAt.getTime() + slept);
    expect(awake.lastRequestAt).toEqual(clock);
    expect(awake.expiresAt!.getTime()).toBe(expiresAt.getTime() + slept);
    expect(expiryWords(awake)).toContain('Expires');
    // Awake, it has as much of its TTL left as when it fell asleep.
    expect((await sweepExpiry(expiry)).expired).not.toContain('doze');
    expect(await wakeSandbox(deps(), doze.id)).toBe('not_sleeping');
  }, 120_000);
});
