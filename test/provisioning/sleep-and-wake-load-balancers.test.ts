import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Instance } from '../../src/core/model';
import { requestDeployment } from '../../src/core/operations/operations';
import type { ProvisioningDeps } from '../../src/core/provisioning/deps';
import { statusOfInstance } from '../../src/core/instance-status';
import { sleepSandbox, sweepSleep } from '../../src/core/sleep/sleep-sandboxes';
import { createSleepPolicy } from '../../src/infra/sleep-policy';
import { refreshRoutes } from '../../src/app/sleep-endpoints';
import type { LoadBalancer } from '../../src/core/ports/load-balancer';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { createHaproxyLoadBalancer } from '../../src/infra/load-balancers/haproxy';
import { createNginxLoadBalancer } from '../../src/infra/load-balancers/nginx';
import { startHaproxy, type HaproxyHarness } from '../support/haproxy';
import { createConfiguredSandbox } from '../support/manual-sandbox';
import { getWithHost, startNginx, type NginxHarness } from '../support/nginx';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { sampleRepository } from '../support/slack-test-bot';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';

/*
 * Issue 16, sleep and wake behind nginx and HAProxy: real PostgreSQL, real
 * deploys of the sample app (script recipe, local provider), a real nginx
 * and a real HAProxy, the bot's own worker running the wake. The load
 * balancer reports each request over UDP syslog; the sleep decision runs on
 * a clock the test holds.
 */

const actor: Actor = { surface: 'cli', id: 'tester' };
const minute = 60_000;
const hour = 60 * minute;
let nginx: NginxHarness;
let haproxy: HaproxyHarness;
let repo: SampleRepo;

beforeAll(async () => {
  [nginx, haproxy] = await Promise.all([startNginx(), startHaproxy()]);
  repo = createSampleRepo();
}, 60_000);

afterAll(async () => {
  await Promise.all([nginx?.stop(), haproxy?.stop()]);
});

function balancerYaml(provider: 'nginx' | 'haproxy'): string {
  const h = provider === 'nginx' ? nginx : haproxy;
  return `
load_balancer:
  provider: ${provider}
  ${provider}:
    config_dir: ${h.configDir}
    test_command: ${JSON.stringify(h.testCommand)}
    reload_command: ${JSON.stringify(h.reloadCommand)}
    listen: "${h.listen}"
  sleep:
    request_log_port: 0`;
}

/** The same load balancer without sleep and wake (as the bot had it before a repository set `sleep_after`). */
function plainBalancer(provider: 'nginx' | 'haproxy'): LoadBalancer {
  const h = provider === 'nginx' ? nginx : haproxy;
  const options = {
    transport: createLocalTransport(),
    configDir: h.configDir,
    namePrefix: 'sbx-',
    testCommand: h.testCommand,
    reloadCommand: h.reloadCommand,
    listen: h.listen,
  };
  return provider === 'nginx' ? createNginxLoadBalancer(options) : createHaproxyLoadBalancer(options);
}

async function appserverOf(t: TestBot, slug: string) {
  const instance = (await t.bot.provisioning.store.findInstanceBySlug(slug))!;
  return (await t.bot.provisioning.store.getAppserver(instance.activeAppserverId!))!;
}

async function withBot(provider: 'nginx' | 'haproxy', work: (t: TestBot) => Promise<void>): Promise<void> {
  const t = await startTestBot(`
repositories:${sampleRepository('acme/sleepy', repo.url)}
    sleep_after: 1h
uptime:
  enabled: false
${balancerYaml(provider)}
`);
  try {
    await work(t);
  } finally {
    await t.stop();
  }
}

describe.each(['nginx', 'haproxy'] as const)('sleep and wake behind %s', (provider) => {
  const harness = () => (provider === 'nginx' ? nginx : haproxy);
  const via = (domain: string) => getWithHost(harness().port, domain, { timeoutMs: 10_000 });

  it('keeps a sandbox awake on requests, sleeps it once idle, the waking page wakes it, then the app answers', async () => {
    await withBot(provider, async (t) => {
      const store = t.bot.provisioning.store;
      let clock = new Date();
      const deps = (): ProvisioningDeps => ({ ...t.bot.provisioning, now: () => clock });
      const policy = createSleepPolicy(t.config);
      const fresh = async (slug: string): Promise<Instance> => (await store.findInstanceBySlug(slug))!;
      const slug = `nap-${provider}`;
      const created = await createConfiguredSandbox(t, slug, 'acme/sleepy', {}, actor);
      await requestDeployment({ store }, created, { actor });
      await waitFor(
        async () => {
          const instance = await fresh(slug);
          return statusOfInstance(instance, await store.listAppservers(instance.id)) === 'running';
        },
        { timeoutMs: 60_000, what: `${slug} running` },
      );
      const { domain } = await fresh(slug);
      await waitFor(async () => (await via(domain)).status === 200, { timeoutMs: 15_000, what: 'the route' });

      // A route written before sleep and wake was on (no request log) is rewritten by the refresh at start.
      const logged = () =>
        readdirSync(harness().configDir)
          .map((name) => readFileSync(join(harness().configDir, name), 'utf8'))
          .join('\n')
          .includes('sbx-request');
      expect(logged()).toBe(true);
      const route = {
        slug,
        domains: [domain],
        target: { address: '127.0.0.1', port: (await appserverOf(t, slug)).port! },
      };
      await plainBalancer(provider).apply(route);
      expect(logged()).toBe(false);
      await refreshRoutes(store);
      await waitFor(logged, { timeoutMs: 15_000, what: 'the route rewritten with its request log' });
      // The file is written before the check and the reload: once the job is done, nginx or HAProxy has been told
      // to reload, and settle() waits until the rewritten route alone answers (a request to an older generation
      // is never logged).
      await waitFor(
        async () =>
          (
            await t.database.pool.query(
              `select 1 from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
                where t.identifier = 'settle_route'`,
            )
          ).rowCount === 0,
        { timeoutMs: 15_000, what: 'the refresh of the route to finish' },
      );
      await harness().settle();

      // Each request through the load balancer reaches the bot as one UDP line, written in batches.
      await waitFor(async () => (await fresh(slug)).lastRequestAt !== null, {
        timeoutMs: 15_000,
        what: 'the first request time',
      });
      const sent = new Date();
      expect((await via(domain)).status).toBe(200);
      await waitFor(async () => (await fresh(slug)).lastRequestAt!.getTime() >= sent.getTime(), {
        timeoutMs: 15_000,
        what: 'the later request time',
      });
      const last = (await fresh(slug)).lastRequestAt!;
      clock = new Date(last.getTime() + 59 * minute);
      expect(await sweepSleep(deps(), policy)).toEqual([]);
      expect(await sleepSandbox(deps(), policy, created.id)).toBe(false);

      clock = new Date(last.getTime() + hour + minute);
      expect(await sweepSleep(deps(), policy)).toEqual([slug]);
      expect(await sleepSandbox(deps(), policy, created.id)).toBe(true);
      expect((await fresh(slug)).sleepingSince).toEqual(clock);
      const file =
        provider === 'nginx' ? join(nginx.configDir, `sbx-${slug}.conf`) : join(haproxy.configDir, `sbx-${slug}.cfg`);
      expect(readFileSync(file, 'utf8')).toContain(`127.0.0.1:${t.bot.port}`);

      // The load balancer sends the sleeping sandbox to the bot: the waking page, and one wake queued.
      // (Right after a reload an old worker may still proxy to the stopped appserver: its 502 page, never the app.)
      let waking = await via(domain);
      await waitFor(async () => (waking = await via(domain)).status === 503, {
        timeoutMs: 5_000,
        what: 'the waking page',
      });
      expect(waking.status).toBe(503);
      expect(waking.headers['retry-after']).toBe('3');
      expect(waking.body).toContain('waking up');
      await waitFor(async () => (await via(domain)).status === 200, { timeoutMs: 60_000, what: 'the app again' });
      const woken = await fresh(slug);
      expect(woken.sleepingSince).toBeNull();
      // Marked awake first, the route applied after: until then the bot proxies to the app (the 200 above may be its).
      await waitFor(() => !readFileSync(file, 'utf8').includes(`127.0.0.1:${t.bot.port}`), {
        timeoutMs: 10_000,
        what: 'the route back to the appserver',
      });
      await harness().settle();
      for (let i = 0; i < 3; i += 1) {
        const answer = await via(domain);
        expect(answer.status).toBe(200);
        expect(answer.body).toContain(`"slug":"${slug}"`);
      }
      const wakes = await t.database.pool.query<{ n: string }>(
        `select count(*) as n from audit_events where instance_slug = $1 and action = 'wake'`,
        [slug],
      );
      expect(wakes.rows[0]!.n).toBe('1');
    });
  }, 150_000);
});
