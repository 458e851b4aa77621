import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActivityReport, renderActivityCsv } from '../../../src/core/activity/activity-report';
import type { Store } from '../../../src/core/ports/store';
import { uptimeProbeAgent } from '../../../src/core/sleep/sleep-policy';
import { createHitCounter, type HitCounter } from '../../../src/infra/activity/hit-counter';
import { startRequestLogReceiver, type RequestLogReceiver } from '../../../src/infra/activity/request-log-receiver';
import { createActivityRecords } from '../../../src/infra/db/activity-records';
import type { Database } from '../../../src/infra/db/database';
import { createSandboxStore } from '../../../src/infra/db/sandbox-store';
import type { SleepRouting } from '../../../src/infra/load-balancers/sleep-routing';
import { createTestDatabase } from '../../support/database';
import { startHaproxy, type HaproxyHarness } from '../../support/haproxy';
import { startNginx, type NginxHarness } from '../../support/nginx';
import { waitFor } from '../../support/wait-for';
import { harnessBalancer } from '../../support/harness-balancer';

/*
 * The activity report behind nginx and HAProxy: real nginx and HAProxy send
 * their request log to the bot's real receiver, which feeds the real hit
 * counter and PostgreSQL; the report is read back as `sbx activity-csv` does.
 */

let database: Database;
let store: Store;
let nginx: NginxHarness;
let haproxy: HaproxyHarness;
let app: Server;
let receiver: RequestLogReceiver;
let hits: HitCounter;
let routing: SleepRouting;
let appPort: number;

beforeAll(async () => {
  [database, nginx, haproxy] = await Promise.all([createTestDatabase(), startNginx(), startHaproxy()]);
  store = createSandboxStore(database.db);
  app = createServer((_req, res) => res.end('app'));
  appPort = await new Promise<number>((resolve) =>
    app.listen(0, '127.0.0.1', () => resolve((app.address() as AddressInfo).port)),
  );
  hits = createHitCounter({
    records: createActivityRecords(database.db),
    secret: 'test-secret',
    logger: console,
    flushMs: 3_600_000,
  });
  receiver = await startRequestLogReceiver({
    store,
    host: '127.0.0.1',
    port: 0,
    logger: console,
    hits,
    flushMs: 3_600_000,
  });
  routing = () => ({
    upstream: { address: '127.0.0.1', port: 9 },
    requestLog: { address: '127.0.0.1', port: receiver.port },
  });
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  app?.closeAllConnections();
  await Promise.all([new Promise((resolve) => app?.close(resolve)), nginx?.stop(), haproxy?.stop()]);
  await database?.close();
});

/** A GET through the load balancer with a sandbox's Host, from a chosen loopback address (another visitor). */
function get(port: number, host: string, from: string, headers: Record<string, string> = {}) {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, localAddress: from, headers: { host, ...headers }, agent: false, timeout: 5_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe.each(['nginx', 'haproxy'] as const)('the activity report behind %s', (provider) => {
  it('counts hits and unique visitors from the request log, and leaves uptime probes out', async () => {
    const slug = `act-${provider}`;
    const domain = `${slug}.sandbox.test`;
    const instance = await store.insertInstance({ slug, domain, kind: 'manual', prRepo: 'acme/app' });
    const appserver = await store.insertAppserver({ instanceId: instance.id, config: {}, port: appPort });
    await store.updateInstance(instance.id, { activeAppserverId: appserver.id });
    const { lb, port, settle } = harnessBalancer(provider, { nginx, haproxy }, routing);
    await lb.apply({ slug, domains: [domain], target: { address: '127.0.0.1', port: appPort } });
    const probe = { 'user-agent': uptimeProbeAgent };
    await waitFor(async () => (await get(port, domain, '127.0.0.1', probe)) === 200, {
      timeoutMs: 10_000,
      what: `${provider} to route ${slug}`,
    });
    await settle();

    // Probes first, from a third address: had they been logged, they would arrive before the visits.
    for (let i = 0; i < 3; i += 1) expect(await get(port, domain, '127.0.0.3', probe)).toBe(200);
    for (const from of ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.2'])
      expect(await get(port, domain, from)).toBe(200);

    const activity = createActivityRecords(database.db);
    const today = new Date().toISOString().slice(0, 10);
    await waitFor(
      async () => {
        await receiver.flush();
        await hits.flush();
        return (await activity.totalsSince(today)).get(instance.id)?.hits === 4;
      },
      { timeoutMs: 5_000, what: `four hits of ${slug}` },
    );
    const rows = await loadActivityReport({ store, activity, now: () => new Date(), hitsMeasured: true });
    expect(rows.find((row) => row.name === slug)).toMatchObject({ hits: 4, uniqueVisitors: 2 });
    const line = renderActivityCsv(rows)
      .split('\r\n')
      .find((text) => text.includes(`,${slug},`));
    expect(line).toMatch(new RegExp(`^N/A,${domain.replaceAll('.', '\\.')},${slug},\\d+,N/A,4,2,0$`));
    await lb.remove(slug);
  }, 60_000);
});
