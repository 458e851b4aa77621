import { createSocket } from 'node:dgram';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../src/core/model';
import type { Route } from '../../src/core/ports/load-balancer';
import { uptimeProbeAgent } from '../../src/core/sleep/sleep-policy';
import { startRequestLogReceiver, type RequestLogReceiver } from '../../src/infra/activity/request-log-receiver';
import type { SleepRouting } from '../../src/infra/load-balancers/sleep-routing';
import { renderHaproxyFragment } from '../../src/infra/load-balancers/render-haproxy-config';
import { renderNginxFragment } from '../../src/infra/load-balancers/render-nginx-fragment';
import { startHaproxy, type HaproxyHarness } from '../support/haproxy';
import { startNginx, type NginxHarness } from '../support/nginx';
import { waitFor } from '../support/wait-for';
import { harnessBalancer } from '../support/harness-balancer';

/*
 * Sleep and wake at the load balancer alone: real nginx and real HAProxy,
 * the bot's real request log receiver (UDP), two small HTTP servers standing
 * for an appserver and for the bot's web server.
 */

let nginx: NginxHarness;
let haproxy: HaproxyHarness;
let app: Server;
let bot: Server;
let receiver: RequestLogReceiver;
const recorded: { instanceId: number; at: Date }[][] = [];
const ids: Record<string, number> = { 'one-app': 1, 'two-app': 2 };

const echo = (name: string) =>
  createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name, host: req.headers.host, authorization: req.headers.authorization ?? null }));
  });
const listening = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

let routing: SleepRouting;
let appPort: number;

beforeAll(async () => {
  [nginx, haproxy] = await Promise.all([startNginx(), startHaproxy()]);
  app = echo('app');
  bot = echo('bot');
  appPort = await listening(app);
  const botPort = await listening(bot);
  receiver = await startRequestLogReceiver({
    store: {
      findInstanceBySlug: async (slug) =>
        slug in ids ? ({ id: ids[slug], archivedAt: null, deletedAt: null } as Instance) : null,
      recordRequests: async (batch) => void recorded.push([...batch]),
    },
    host: '127.0.0.1',
    port: 0,
    logger: console,
    flushMs: 3_600_000,
  });
  routing = () => ({
    upstream: { address: '127.0.0.1', port: botPort },
    requestLog: { address: '127.0.0.1', port: receiver.port },
  });
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  app?.closeAllConnections();
  bot?.closeAllConnections();
  await Promise.all([
    new Promise((resolve) => app?.close(resolve)),
    new Promise((resolve) => bot?.close(resolve)),
    nginx?.stop(),
    haproxy?.stop(),
  ]);
});

function get(port: number, host: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, headers: { host, ...headers }, agent: false, timeout: 5_000 },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Flushes the receiver until `instanceId` shows up in what it wrote. */
async function heard(instanceId: number): Promise<void> {
  await waitFor(
    async () => {
      await receiver.flush();
      return recorded.flat().some((entry) => entry.instanceId === instanceId);
    },
    { timeoutMs: 5_000, what: `a request line for instance ${instanceId}` },
  );
}

describe.each(['nginx', 'haproxy'] as const)('%s with sleep and wake', (provider) => {
  it('reports proxied requests but not uptime probes, and sends a sleeping sandbox to the bot with its Host and credentials', async () => {
    await receiver.flush();
    recorded.length = 0;
    const { lb, port, settle } = harnessBalancer(provider, { nginx, haproxy }, routing);
    // A reload's old workers answer for a moment: once the new configuration answered, wait until it alone does.
    const switched = async (answered: () => Promise<boolean>) => {
      await waitFor(answered, { timeoutMs: 5_000, what: `${provider} to load the new route` });
      await settle();
    };
    const access = { user: 'reviewer', password: 's3cret-pass' };
    const authorization = `Basic ${Buffer.from('reviewer:s3cret-pass').toString('base64')}`;
    const one: Route = {
      slug: 'one-app',
      domains: [`one-${provider}.sandbox.test`],
      target: { address: '127.0.0.1', port: appPort },
      access,
    };
    const two: Route = {
      slug: 'two-app',
      domains: [`two-${provider}.sandbox.test`],
      target: { address: '127.0.0.1', port: appPort },
    };
    await lb.apply(one);
    await lb.apply(two);
    await switched(async () => (await get(port, two.domains[0]!)).status === 200);
    await receiver.flush();
    recorded.length = 0;

    // A probe of `one`, then a visit of `two`: once the visit is heard, the probe would have been too.
    const probed = await get(port, one.domains[0]!, { 'user-agent': uptimeProbeAgent, authorization });
    expect(JSON.parse(probed.body)).toMatchObject({ name: 'app', authorization: null });
    expect((await get(port, two.domains[0]!)).status).toBe(200);
    await heard(2);
    expect(recorded.flat().filter((entry) => entry.instanceId === 1)).toEqual([]);
    expect((await get(port, one.domains[0]!, { authorization })).status).toBe(200);
    await heard(1);

    // Asleep: the bot answers, with the Host kept and the credentials passed on for it to check.
    await lb.apply({ ...one, sleeping: true });
    await switched(async () => (await get(port, one.domains[0]!, { authorization })).body.includes('"bot"'));
    const asleep = await get(port, one.domains[0]!, { authorization });
    expect(asleep.status).toBe(200);
    expect(JSON.parse(asleep.body)).toEqual({ name: 'bot', host: one.domains[0]!, authorization });
    // Applying the same sleeping route again changes nothing.
    await lb.apply({ ...one, sleeping: true });
    expect(await lb.listRoutes()).toEqual(['one-app', 'two-app']);

    // Awake again: the appserver answers, behind basic auth as before.
    await lb.apply(one);
    await switched(async () => (await get(port, one.domains[0]!)).status === 401);
    expect(JSON.parse((await get(port, one.domains[0]!, { authorization })).body)).toMatchObject({ name: 'app' });
    await lb.remove('one-app');
    await lb.remove('two-app');
  }, 60_000);
});

describe('sleep routes need their endpoints', () => {
  const route: Route = {
    slug: 'one-app',
    domains: ['one.sandbox.test'],
    target: { address: '127.0.0.1', port: 4000 },
    sleeping: true,
  };

  it.each([
    ['nginx', () => renderNginxFragment({ route, listen: 80 })],
    ['haproxy', () => renderHaproxyFragment({ route, namePrefix: 'sbx-', errorFile: '/tmp/x.http', statusUrl: null })],
  ])('%s refuses a sleeping route without them, and a bot address that is not an address', (_name, render) => {
    expect(render).toThrow(/sleeps but the (nginx|haproxy) load balancer has no load_balancer\.sleep endpoints/);
    const bad = { upstream: { address: '127.0.0.1;', port: 3000 }, requestLog: { address: '127.0.0.1', port: 5514 } };
    expect(() => renderNginxFragment({ route, listen: 80, sleep: bad })).toThrow(
      /invalid bot address .*load_balancer\.sleep\.bot_address/,
    );
    expect(() =>
      renderHaproxyFragment({ route, namePrefix: 'sbx-', errorFile: '/tmp/x.http', statusUrl: null, sleep: bad }),
    ).toThrow(/invalid bot address/);
  });
});

describe('the request log receiver', () => {
  it('says which setting to change when its UDP port is taken, and ignores lines it cannot read', async () => {
    const lookups: string[] = [];
    const written: { instanceId: number; at: Date }[] = [];
    const store = {
      findInstanceBySlug: async (slug: string) => {
        lookups.push(slug);
        return { id: 7, archivedAt: null, deletedAt: null } as Instance;
      },
      recordRequests: async (batch: readonly { instanceId: number; at: Date }[]) => void written.push(...batch),
    };
    await expect(
      startRequestLogReceiver({ store, host: '127.0.0.1', port: receiver.port, logger: console }),
    ).rejects.toThrow(/request log on UDP 127\.0\.0\.1:\d+: .*EADDRINUSE.*load_balancer\.sleep\.request_log_port/);
    const other = await startRequestLogReceiver({
      store,
      host: '127.0.0.1',
      port: 0,
      logger: console,
      flushMs: 3_600_000,
    });
    const sender = createSocket('udp4');
    try {
      const lines = [
        '<134>hello',
        'sbx-request Not_A_Slug',
        'sbx-request -',
        'sbx-request ../etc',
        'sbx-request ok-2 evil;',
        'sbx-request ok-3 999.1.1.1',
        'sbx-request ok-4 127.0.0.1 extra',
        'x: sbx-request ok-1 ::1',
      ];
      for (const line of lines) await new Promise((resolve) => sender.send(line, other.port, '127.0.0.1', resolve));
      // One sender over loopback arrives in order: once the last line is written, the others were read.
      await waitFor(
        async () => {
          await other.flush();
          return written.length > 0;
        },
        { what: 'the readable line' },
      );
      expect(lookups).toEqual(['ok-1']);
      expect(written.map((entry) => entry.instanceId)).toEqual([7]);
    } finally {
      sender.close();
      await other.close();
    }
  });
});
