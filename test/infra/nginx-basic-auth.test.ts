import { request } from 'node:http';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BasicCredentials } from '../../src/core/ports/load-balancer';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { createNginxLoadBalancer } from '../../src/infra/load-balancers/nginx';
import { htpasswdAccepts, renderHtpasswd } from '../../src/infra/load-balancers/render-htpasswd';
import { startUpstream, type Upstream } from '../support/named-upstream';
import { startNginx, type NginxHarness } from '../support/nginx';
import { waitFor } from '../support/wait-for';

// Issue 10 item 8: `access: basic_auth` enforced by a real nginx.
let nginx: NginxHarness;
let upstream: Upstream;
const local = createLocalTransport();

beforeAll(async () => {
  [nginx, upstream] = await Promise.all([startNginx(), startUpstream('app')]);
});

afterAll(async () => {
  await Promise.all([nginx?.stop(), upstream?.close()]);
});

afterEach(async () => {
  for (const name of await readdir(nginx.configDir)) await rm(join(nginx.configDir, name), { force: true });
  expect((await local.exec(nginx.reloadCommand)).code).toBe(0);
});

const balancer = () =>
  createNginxLoadBalancer({
    transport: local,
    configDir: nginx.configDir,
    namePrefix: 'sbx-',
    testCommand: nginx.testCommand,
    reloadCommand: nginx.reloadCommand,
    listen: nginx.listen,
  });

function get(host: string, auth?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host };
    if (auth !== undefined) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
    const req = request({ host: '127.0.0.1', port: nginx.port, path: '/', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const credentials: BasicCredentials = { user: 'sbx-a1b2c3', password: 'pa:ss wörd-123' };

describe('nginx basic auth', () => {
  it('asks for credentials, refuses wrong ones, serves with the right ones and keeps them from the appserver', async () => {
    await balancer().apply({
      slug: 'pr7-app',
      domains: ['pr7-app.localhost'],
      target: upstream.target,
      access: credentials,
    });
    await waitFor(async () => (await get('pr7-app.localhost')).status === 401, {
      timeoutMs: 5_000,
      what: 'nginx to ask for credentials',
    });
    await nginx.settle();

    const none = await get('pr7-app.localhost');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="pr7-app"');
    expect((await get('pr7-app.localhost', `${credentials.user}:wrong`)).status).toBe(401);
    expect((await get('pr7-app.localhost', `other:${credentials.password}`)).status).toBe(401);

    const ok = await get('pr7-app.localhost', `${credentials.user}:${credentials.password}`);
    expect(ok.status).toBe(200);
    const seen = JSON.parse(ok.body) as { name: string; headers: Record<string, string> };
    expect(seen.name).toBe('app');
    expect(seen.headers.authorization).toBeUndefined();

    // The htpasswd file is a dot file next to the fragment (skipped by `include <dir>/*`), readable by nginx's workers.
    const file = join(nginx.configDir, '.sbx-pr7-app.htpasswd');
    expect(htpasswdAccepts(await readFile(file, 'utf8'), credentials)).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(await readFile(file, 'utf8')).not.toContain(credentials.password);
  });

  it('applying the same route twice changes nothing; new credentials apply; public removes the file; remove cleans up', async () => {
    const lb = balancer();
    const route = { slug: 'pr8-app', domains: ['pr8-app.localhost'], target: upstream.target, access: credentials };
    await lb.apply(route);
    await waitFor(async () => (await get('pr8-app.localhost')).status === 401, {
      timeoutMs: 5_000,
      what: 'nginx to ask for credentials',
    });
    await nginx.settle();
    const file = join(nginx.configDir, '.sbx-pr8-app.htpasswd');
    const first = await readFile(file, 'utf8');
    await lb.apply(route);
    expect(await readFile(file, 'utf8')).toBe(first);

    const next = { user: 'sbx-ffffff', password: 'another' };
    await lb.apply({ ...route, access: next });
    await waitFor(async () => (await get('pr8-app.localhost', `${next.user}:${next.password}`)).status === 200, {
      timeoutMs: 5_000,
      what: 'the new credentials',
    });
    expect((await get('pr8-app.localhost', `${credentials.user}:${credentials.password}`)).status).toBe(401);

    await lb.apply({ ...route, access: null });
    await waitFor(async () => (await get('pr8-app.localhost')).status === 200, {
      timeoutMs: 5_000,
      what: 'the public route',
    });
    await expect(stat(file)).rejects.toThrow();

    await lb.apply(route);
    await lb.remove('pr8-app');
    expect(await readdir(nginx.configDir)).toEqual([]);
  });

  it('the preliminary page answers without credentials and shows nothing of the sandbox', async () => {
    await balancer().apply({ slug: 'pr9-app', domains: ['pr9-app.localhost'], target: null, access: credentials });
    await waitFor(async () => (await get('pr9-app.localhost')).status === 503, {
      timeoutMs: 5_000,
      what: 'the preliminary page',
    });
    // No proxied route, no htpasswd file: it exists exactly while the fragment names it.
    expect(await readdir(nginx.configDir)).toEqual(['sbx-pr9-app.conf']);
  });
});

describe('htpasswd lines', () => {
  it('are salted SSHA and verify only the right password', () => {
    const line = renderHtpasswd(credentials);
    expect(line).toMatch(/^sbx-a1b2c3:\{SSHA\}[A-Za-z0-9+/=]+\n$/);
    expect(renderHtpasswd(credentials)).not.toBe(line);
    expect(htpasswdAccepts(line, credentials)).toBe(true);
    expect(htpasswdAccepts(line, { ...credentials, password: 'nope' })).toBe(false);
    expect(() => renderHtpasswd({ user: 'a:b', password: 'x' })).toThrow();
    expect(() => renderHtpasswd({ user: 'a', password: 'x\ny' })).toThrow();
  });
});
