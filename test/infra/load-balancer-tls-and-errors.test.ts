import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTlsListener, type TlsListener } from '../../src/app/start-tls-listener';
import type { Store } from '../../src/core/ports/store';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { createHaproxyLoadBalancer } from '../../src/infra/load-balancers/haproxy';
import { createNginxLoadBalancer } from '../../src/infra/load-balancers/nginx';
import { loadTlsCertificate, type TlsCertificate } from '../../src/infra/load-balancers/tls-certificate';
import { createLogger } from '../../src/infra/logger';
import { createBuiltinProxy } from '../../src/web/builtin-proxy';
import { startHaproxy, type HaproxyHarness } from '../support/haproxy';
import { startUpstream, type Upstream } from '../support/named-upstream';
import { findFreePort, getWithHost, startNginx, type NginxHarness } from '../support/nginx';
import { waitFor } from '../support/wait-for';

// Issue 15: HTTPS with a configured wildcard certificate at every load balancer, and error pages instead of bare proxy errors.
const baseDomain = 'sbx.test';
let dir: string;
let caPem: string;
let certificate: TlsCertificate;
let upstream: Upstream;
let deadPort: number;
const local = createLocalTransport();

/** A throwaway CA and a `*.sbx.test` leaf it signed, made with openssl; only this test's client trusts the CA. */
function makeCertificates(): void {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Sandbox Bot test CA',
  );
  run(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
    '-subj',
    `/CN=*.${baseDomain}`,
  );
  execFileSync('sh', ['-c', `printf 'subjectAltName=DNS:*.${baseDomain},DNS:${baseDomain}\\n' > ext.cnf`], {
    cwd: dir,
  });
  run(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'leaf.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sbx-tls-'));
  makeCertificates();
  certificate = loadTlsCertificate(
    { certificate_file: join(dir, 'leaf.pem'), certificate_env: null, key_file: join(dir, 'leaf.key'), key_env: null },
    baseDomain,
    {},
  );
  upstream = await startUpstream('app');
  deadPort = await findFreePort();
});

afterAll(async () => {
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** GET over TLS to 127.0.0.1:port with SNI and Host `host`, trusting only the test CA. */
function getTls(
  port: number,
  host: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, servername: host, headers: { host }, ca: caPem, agent: false, timeout: 5_000 },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

const forwardedProto = (body: string) =>
  (JSON.parse(body) as { headers: Record<string, string> }).headers['x-forwarded-proto'];

describe('the configured certificate', () => {
  it('is refused when it does not cover *.<base_domain> or the key does not match', () => {
    const source = {
      certificate_file: join(dir, 'leaf.pem'),
      certificate_env: null,
      key_file: join(dir, 'leaf.key'),
      key_env: null,
    };
    expect(() => loadTlsCertificate(source, 'example.com', {})).toThrow(/does not cover \*\.example\.com/);
    expect(() => loadTlsCertificate({ ...source, key_file: join(dir, 'ca.key') }, baseDomain, {})).toThrow(
      /does not belong/,
    );
    const fromEnv = loadTlsCertificate(
      { certificate_file: null, certificate_env: 'CERT', key_file: null, key_env: 'KEY' },
      baseDomain,
      { CERT: readFileSync(join(dir, 'leaf.pem'), 'utf8'), KEY: readFileSync(join(dir, 'leaf.key'), 'utf8') },
    );
    expect(fromEnv.names).toContain(`*.${baseDomain}`);
  });
});

describe('nginx', () => {
  let nginx: NginxHarness;
  let tlsPort: number;
  beforeAll(async () => {
    nginx = await startNginx();
    tlsPort = await findFreePort();
  });
  afterAll(() => nginx?.stop());

  it('serves the sandbox over HTTPS with the wildcard certificate (X-Forwarded-Proto https), and a 502 page when the appserver is down', async () => {
    const balancer = createNginxLoadBalancer({
      transport: local,
      configDir: nginx.configDir,
      namePrefix: 'sbx-',
      testCommand: nginx.testCommand,
      reloadCommand: nginx.reloadCommand,
      listen: nginx.listen,
      tls: { listen: `127.0.0.1:${tlsPort}`, certificate },
      preliminaryUrl: (slug) => `http://bot.test/sandboxes/${slug}`,
    });
    await balancer.apply({ slug: 'pr1-app', domains: [`pr1-app.${baseDomain}`], target: upstream.target });
    await balancer.apply({
      slug: 'pr2-app',
      domains: [`pr2-app.${baseDomain}`],
      target: { address: '127.0.0.1', port: deadPort },
    });
    // Each apply reloads nginx; pr1 answers from either generation, so only pr2's answer shows the last one serves
    // (settle() then waits until nginx has acted on both reloads and the older workers are gone).
    await waitFor(async () => (await getTls(tlsPort, `pr1-app.${baseDomain}`).catch(() => null))?.status === 200, {
      what: 'nginx over TLS',
    });
    await waitFor(
      async () => (await getWithHost(nginx.port, `pr2-app.${baseDomain}`).catch(() => null))?.status === 502,
      {
        what: 'the second sandbox in nginx',
      },
    );
    await nginx.settle();
    const secure = await getTls(tlsPort, `pr1-app.${baseDomain}`);
    expect(forwardedProto(secure.body)).toBe('https');
    expect(forwardedProto((await getWithHost(nginx.port, `pr1-app.${baseDomain}`)).body)).toBe('http');
    const down = await getWithHost(nginx.port, `pr2-app.${baseDomain}`);
    expect(down.status).toBe(502);
    expect(down.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(down.body).toContain("not answering right now. <a href='http://bot.test/sandboxes/pr2-app'>");
  });
});

describe('haproxy', () => {
  let haproxy: HaproxyHarness;
  beforeAll(async () => {
    haproxy = await startHaproxy();
  });
  afterAll(() => haproxy?.stop());

  it('serves the sandbox over HTTPS with the wildcard certificate (X-Forwarded-Proto https)', async () => {
    const balancer = createHaproxyLoadBalancer({
      transport: local,
      configDir: haproxy.configDir,
      namePrefix: 'sbx-',
      testCommand: haproxy.testCommand,
      reloadCommand: haproxy.reloadCommand,
      listen: haproxy.listen,
      tls: { listen: haproxy.tlsListen, certificate },
    });
    await balancer.apply({ slug: 'pr1-app', domains: [`pr1-app.${baseDomain}`], target: upstream.target });
    await waitFor(
      async () => (await getTls(haproxy.tlsPort, `pr1-app.${baseDomain}`).catch(() => null))?.status === 200,
      { what: 'haproxy over TLS' },
    );
    expect(forwardedProto((await getTls(haproxy.tlsPort, `pr1-app.${baseDomain}`)).body)).toBe('https');
    expect(forwardedProto((await getWithHost(haproxy.port, `pr1-app.${baseDomain}`)).body)).toBe('http');
    const pem = join(haproxy.configDir, '.sbx-tls.pem');
    expect((await import('node:fs')).statSync(pem).mode & 0o777).toBe(0o600);
  });
});

describe('builtin proxy', () => {
  let server: Server;
  let port: number;
  let tls: TlsListener;
  const instances: Record<string, { slug: string; active: number | null }> = {
    [`pr1-app.${baseDomain}`]: { slug: 'pr1-app', active: 1 },
    [`pr2-app.${baseDomain}`]: { slug: 'pr2-app', active: 2 },
    [`pr3-app.${baseDomain}`]: { slug: 'pr3-app', active: null },
  };
  const store = {
    async findInstanceByDomain(domain: string) {
      const found = instances[domain];
      return found
        ? {
            slug: found.slug,
            archivedAt: null,
            activeAppserverId: found.active,
            accessUser: null,
            accessPassword: null,
          }
        : null;
    },
    async getAppserver(id: number) {
      return { id, hostId: 1, port: id === 1 ? upstream.target.port : deadPort, state: 'running' };
    },
    async getHost() {
      return { address: '127.0.0.1' };
    },
  } as unknown as Store;

  beforeAll(async () => {
    const proxy = createBuiltinProxy({ store, baseDomain, publicUrl: 'http://bot.test' });
    server = createServer((req, res) => void proxy.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    tls = await startTlsListener({
      server,
      certificate,
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ level: 'silent', format: 'json' }),
    });
  });
  afterAll(async () => {
    await tls?.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('serves over HTTPS with X-Forwarded-Proto https, plain HTTP with http', async () => {
    expect(forwardedProto((await getTls(tls.port, `pr1-app.${baseDomain}`)).body)).toBe('https');
    expect(forwardedProto((await getWithHost(port, `pr1-app.${baseDomain}`)).body)).toBe('http');
  });

  it('answers a 502 page linking to the status page when the active appserver does not answer, and 503 with Retry-After before activation', async () => {
    const down = await getWithHost(port, `pr2-app.${baseDomain}`);
    expect(down.status).toBe(502);
    expect(down.headers['content-type']).toMatch(/^text\/html/);
    expect(down.body).toContain("href='http://bot.test/sandboxes/pr2-app'");
    const holding = await getWithHost(port, `pr3-app.${baseDomain}`);
    expect(holding.status).toBe(503);
    expect(holding.headers['retry-after']).toBe('30');
    expect(holding.body).toContain('http://bot.test/sandboxes/pr3-app');
  });
});
