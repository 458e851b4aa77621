import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxySettings } from '../../src/core/ports/other-ports';
import type { Store } from '../../src/core/ports/store';
import type { Route } from '../../src/core/ports/load-balancer';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { createHaproxyLoadBalancer } from '../../src/infra/load-balancers/haproxy';
import { createNginxLoadBalancer } from '../../src/infra/load-balancers/nginx';
import { createBuiltinProxy } from '../../src/web/builtin-proxy';
import { postBody, startBodyUpstream, type BodyUpstream } from '../support/body-upstream';
import { startHaproxy, type HaproxyHarness } from '../support/haproxy';
import { startNginx, type NginxHarness } from '../support/nginx';
import { waitFor } from '../support/wait-for';

// Issue 13: a recipe's proxy settings (forwarded headers, largest body, timeouts) reach every load balancer.
// An Open edX-like "75 MB" limit scaled down to 75 KiB keeps the bodies small: 70 KiB passes, 80 KiB is refused.
const kib = 1024;
const openedxLike: ProxySettings = {
  forwardedHeaders: true,
  maxBodyBytes: 75 * kib,
  connectTimeoutMs: 2_000,
  readTimeoutMs: 600,
};
const noForwarding: ProxySettings = { ...openedxLike, forwardedHeaders: false };
const local = createLocalTransport();
let upstream: BodyUpstream;

beforeAll(async () => {
  upstream = await startBodyUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

const route = (slug: string, host: string, proxy: ProxySettings): Route => ({
  slug,
  domains: [host],
  target: upstream.target,
  proxy,
});
const headersOf = (body: string) => (JSON.parse(body) as { headers: Record<string, string> }).headers;

/** The same expectations for each load balancer, given a port and the two hosts (75 KiB with and without forwarded headers). */
function expectProxySettings(name: string, ctx: () => { port: number; limited: string; plain: string }) {
  describe(name, () => {
    it('accepts a body under the maximum and refuses one over it with 413', async () => {
      const { port, limited } = ctx();
      const under = await postBody(port, limited, 70 * kib);
      expect(under.status).toBe(200);
      expect(JSON.parse(under.body)).toMatchObject({ bytes: 70 * kib });
      expect((await postBody(port, limited, 80 * kib)).status).toBe(413);
    });

    it('stops waiting for a silent appserver after read_timeout (a 502 page), and waits for a slower answer within it', async () => {
      const { port, limited } = ctx();
      const slow = await postBody(port, limited, 10, { path: '/slow?ms=2000' });
      expect(slow.status).toBe(502);
      expect(slow.ms).toBeLessThan(1_900);
      expect((await postBody(port, limited, 10, { path: '/slow?ms=100' })).status).toBe(200);
    });

    it('sends X-Forwarded-Proto, -Host and -For only when the recipe says so', async () => {
      const { port, limited, plain } = ctx();
      expect(headersOf((await postBody(port, limited, 1)).body)).toMatchObject({
        'x-forwarded-proto': 'http',
        'x-forwarded-host': limited,
        'x-forwarded-for': '127.0.0.1',
      });
      const without = headersOf((await postBody(port, plain, 1)).body);
      expect(without['x-forwarded-host']).toBeUndefined();
      expect(without['x-forwarded-proto']).toBeUndefined();
      expect(without['x-forwarded-for']).toBeUndefined();
    });
  });
}

describe('real nginx', () => {
  let nginx: NginxHarness;
  beforeAll(async () => {
    nginx = await startNginx();
    const balancer = createNginxLoadBalancer({
      transport: local,
      configDir: nginx.configDir,
      namePrefix: 'sbx-',
      testCommand: nginx.testCommand,
      reloadCommand: nginx.reloadCommand,
      listen: nginx.listen,
      preliminaryUrl: () => 'http://localhost:3000/',
    });
    await balancer.apply(route('limited', 'limited.localhost', openedxLike));
    await balancer.apply(route('plain', 'plain.localhost', noForwarding));
    await waitFor(async () => (await postBody(nginx.port, 'plain.localhost', 1)).status === 200, {
      timeoutMs: 5_000,
      what: 'nginx to route plain.localhost',
    });
    await nginx.settle();
  });
  afterAll(async () => nginx?.stop());
  expectProxySettings('nginx', () => ({ port: nginx.port, limited: 'limited.localhost', plain: 'plain.localhost' }));
});

describe('real haproxy', () => {
  let haproxy: HaproxyHarness;
  beforeAll(async () => {
    haproxy = await startHaproxy();
    const balancer = createHaproxyLoadBalancer({
      transport: local,
      configDir: haproxy.configDir,
      namePrefix: 'sbx-',
      testCommand: haproxy.testCommand,
      reloadCommand: haproxy.reloadCommand,
      listen: haproxy.listen,
      statusUrl: () => 'http://localhost:3000/',
    });
    await balancer.apply(route('limited', 'limited.localhost', openedxLike));
    await balancer.apply(route('plain', 'plain.localhost', noForwarding));
    await waitFor(
      async () => (await postBody(haproxy.port, 'plain.localhost', 1).catch(() => ({ status: 0 }))).status === 200,
      { timeoutMs: 5_000, what: 'haproxy to route plain.localhost' },
    );
    await haproxy.settle();
  });
  afterAll(async () => haproxy?.stop());
  expectProxySettings('haproxy', () => ({
    port: haproxy.port,
    limited: 'limited.localhost',
    plain: 'plain.localhost',
  }));
});

describe('builtin proxy', () => {
  let server: Server;
  let port = 0;
  const proxies: Record<string, ProxySettings> = { 'limited.sbx.test': openedxLike, 'plain.sbx.test': noForwarding };
  const store = {
    async findInstanceByDomain(domain: string) {
      return proxies[domain]
        ? {
            slug: domain.split('.')[0],
            archivedAt: null,
            activeAppserverId: domain.startsWith('limited') ? 1 : 2,
            accessUser: null,
            accessPassword: null,
          }
        : null;
    },
    async getAppserver(id: number) {
      return {
        id,
        hostId: 1,
        port: upstream.target.port,
        state: 'running',
        config: { proxy: id === 1 ? openedxLike : noForwarding },
      };
    },
    async getHost() {
      return { address: '127.0.0.1' };
    },
    async recordRequests() {},
  } as unknown as Store;

  let proxy: ReturnType<typeof createBuiltinProxy>;
  beforeAll(async () => {
    proxy = createBuiltinProxy({ store, baseDomain: 'sbx.test', publicUrl: 'http://bot.test', logger: console });
    server = createServer((req, res) => void proxy.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await proxy.close();
  });
  expectProxySettings('builtin', () => ({ port, limited: 'limited.sbx.test', plain: 'plain.sbx.test' }));

  it('refuses a chunked body (no Content-Length) once it passes the maximum', async () => {
    expect((await postBody(port, 'limited.sbx.test', 80 * kib, { chunked: true })).status).toBe(413);
    expect((await postBody(port, 'limited.sbx.test', 70 * kib, { chunked: true })).status).toBe(200);
  });
});

describe('the rendered configuration', () => {
  it('carries the connect and read timeouts and the body size of the route', async () => {
    const { renderNginxFragment } = await import('../../src/infra/load-balancers/render-nginx-fragment');
    const { renderHaproxyFragment } = await import('../../src/infra/load-balancers/render-haproxy-config');
    const proxy: ProxySettings = {
      forwardedHeaders: false,
      maxBodyBytes: 75 * 1024 * 1024,
      connectTimeoutMs: 7_000,
      readTimeoutMs: 1_500,
    };
    const target = { address: '127.0.0.1', port: 8000 };
    const nginx = renderNginxFragment({
      route: { slug: 'pr1-app', domains: ['pr1-app.sbx.test'], target, proxy },
      listen: 80,
    });
    expect(nginx).toContain('client_max_body_size 75m;');
    expect(nginx).toContain('proxy_connect_timeout 7s;');
    expect(nginx).toContain('proxy_read_timeout 1500ms;');
    expect(nginx).not.toContain('X-Forwarded');
    const haproxy = renderHaproxyFragment({
      route: { slug: 'pr1-app', domains: ['pr1-app.sbx.test'], target, proxy },
      namePrefix: 'sbx-',
      errorFile: '/tmp/e.http',
      statusUrl: null,
    });
    expect(haproxy).toContain(`gt ${75 * 1024 * 1024} }`);
    expect(haproxy).toContain('timeout connect 7s');
    expect(haproxy).toContain('timeout server 1500ms');
    expect(haproxy).not.toContain('forwardfor');
    expect(() =>
      renderNginxFragment({
        route: { slug: 'pr1-app', domains: ['pr1-app.sbx.test'], target, proxy: { ...proxy, maxBodyBytes: 1.5 } },
        listen: 80,
      }),
    ).toThrow(/positive whole number/);
  });
});
