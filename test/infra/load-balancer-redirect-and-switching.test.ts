import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTlsListener, type TlsListener } from '../../src/app/start-tls-listener';
import { createCertificateSupply, startCertificateRotation } from '../../src/app/tls-certificates';
import { checkTlsCertificate } from '../../src/cli/doctor-tls';
import { configSchema } from '../../src/config/schema';
import type { LoadBalancer, Route } from '../../src/core/ports/load-balancer';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { createHaproxyLoadBalancer } from '../../src/infra/load-balancers/haproxy';
import { createNginxLoadBalancer } from '../../src/infra/load-balancers/nginx';
import type { TlsCertificate } from '../../src/infra/load-balancers/tls-certificate';
import { createLogger } from '../../src/infra/logger';
import { createBuiltinProxy } from '../../src/web/builtin-proxy';
import { fakeProxyStore, type FakeRoute } from '../support/builtin-proxy-store';
import { startHaproxy, type HaproxyHarness } from '../support/haproxy';
import { startUpstream, type Upstream } from '../support/named-upstream';
import { findFreePort, getWithHost, startNginx, type HostResponse, type NginxHarness } from '../support/nginx';
import { forwardedProto, getTls, makeTestCa } from '../support/tls-client';
import { waitFor } from '../support/wait-for';

// Issue 15: HTTP → HTTPS redirects, the 503 switching page under a polling client, and rotation of a configured certificate file.
const baseDomain = 'sbx.test';
const host = `pr1-app.${baseDomain}`;
const statusLink = "href='http://bot.test/sandboxes/pr1-app'";
const logger = createLogger({ level: 'silent', format: 'json' });

let dir: string;
let caPem: string;
let certificate: TlsCertificate;
let files: { certificateFile: string; keyFile: string };
let issue: (name: string) => { certificateFile: string; keyFile: string };
let appA: Upstream;
let nginx: NginxHarness;
let haproxy: HaproxyHarness;
const local = createLocalTransport();

const configFor = (certificateFile: string, keyFile: string) =>
  configSchema.parse({
    base_domain: baseDomain,
    data_dir: join(dir, 'data'),
    load_balancer: { tls: { certificate_file: certificateFile, key_file: keyFile } },
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sbx-redirect-'));
  const ca = makeTestCa(dir);
  caPem = ca.caPem;
  issue = (name) => ca.issue(name, baseDomain);
  const first = issue('first');
  // The configured files the bot reads (replaced later, as an operator would).
  files = { certificateFile: join(dir, 'live.pem'), keyFile: join(dir, 'live.key') };
  copyFileSync(first.certificateFile, files.certificateFile);
  copyFileSync(first.keyFile, files.keyFile);
  certificate = createCertificateSupply(configFor(files.certificateFile, files.keyFile), {}, logger)!.read();
  [appA, nginx, haproxy] = await Promise.all([startUpstream('a'), startNginx(), startHaproxy()]);
});

afterAll(async () => {
  await Promise.all([appA?.close(), nginx?.stop(), haproxy?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Polls `get` until stopped; every answer must be the old or the new
 * appserver (200) or the 503 switching page with Retry-After and the status
 * link: anything else (a 502, a reset) is a failure.
 */
function pollDuringSwitch(get: () => Promise<HostResponse>) {
  const seen = { a: 0, b: 0, switching: 0 };
  const failures: string[] = [];
  let polling = true;
  let last: HostResponse | null = null;
  const done = (async () => {
    while (polling) {
      let answer: HostResponse;
      try {
        answer = await get();
      } catch (error) {
        failures.push(`error: ${(error as Error).message}`);
        continue;
      }
      last = answer;
      if (answer.status === 200) {
        const name = (JSON.parse(answer.body) as { name: string }).name;
        if (name === 'a' || name === 'b') seen[name] += 1;
        else failures.push(`200 from ${name}`);
      } else if (
        answer.status === 503 &&
        answer.headers['retry-after'] === '30' &&
        answer.headers['cache-control'] === 'no-store' &&
        answer.body.includes('switching to a new appserver') &&
        answer.body.includes(statusLink)
      )
        seen.switching += 1;
      else failures.push(`${answer.status} ${JSON.stringify(answer.headers)} ${answer.body.slice(0, 120)}`);
    }
  })();
  return {
    seen,
    failures,
    last: () => last,
    async stop() {
      polling = false;
      await done;
    },
  };
}

/** Switches from appserver a to b (not listening yet) under a polling client, starts b, then settles the route. */
async function switchUnderPolling({
  get,
  switchTo,
  settle,
  afterSettle,
}: {
  get: () => Promise<HostResponse>;
  switchTo: (port: number) => Promise<void>;
  settle: (port: number) => Promise<void>;
  afterSettle: () => Promise<void>;
}): Promise<void> {
  const portB = await findFreePort();
  const poll = pollDuringSwitch(get);
  let appB: Upstream | null = null;
  try {
    await waitFor(() => poll.seen.a > 0, { what: 'the old appserver to answer' });
    await switchTo(portB);
    await waitFor(() => poll.seen.switching > 0, { timeoutMs: 10_000, what: 'the 503 switching page' });
    appB = await startUpstream('b', portB);
    const before = poll.seen.b;
    await waitFor(() => poll.seen.b > before + 2, { timeoutMs: 10_000, what: 'the new appserver to answer' });
  } finally {
    await poll.stop();
  }
  expect(poll.failures).toEqual([]);
  await settle(portB);
  await appB?.close();
  // Settled: an appserver that does not answer is down (502), not switching.
  await waitFor(async () => (await get()).status === 502, { timeoutMs: 10_000, what: 'the 502 page after settling' });
  // Once the new configuration answered, the old one (nginx's previous worker) must be gone before judging.
  await afterSettle();
  const down = await get();
  expect(down.status).toBe(502);
  expect(down.headers['retry-after']).toBeUndefined();
  expect(down.body).toContain(statusLink);
}

const route = (port: number, switching = false): Route => ({
  slug: 'pr1-app',
  domains: [host],
  target: { address: '127.0.0.1', port },
  ...(switching ? { switching } : {}),
});

describe.each(['nginx', 'haproxy'] as const)('%s', (kind) => {
  let lb: LoadBalancer;
  let httpPort: number;
  let tlsPort: number;
  beforeAll(async () => {
    if (kind === 'nginx') {
      tlsPort = await findFreePort();
      httpPort = nginx.port;
      lb = createNginxLoadBalancer({
        transport: local,
        configDir: nginx.configDir,
        namePrefix: `${kind}-`,
        testCommand: nginx.testCommand,
        reloadCommand: nginx.reloadCommand,
        listen: nginx.listen,
        tls: { listen: `127.0.0.1:${tlsPort}`, certificate, redirectHttp: true },
        preliminaryUrl: (slug) => `http://bot.test/sandboxes/${slug}`,
      });
    } else {
      tlsPort = haproxy.tlsPort;
      httpPort = haproxy.port;
      lb = createHaproxyLoadBalancer({
        transport: local,
        configDir: haproxy.configDir,
        namePrefix: `${kind}-`,
        testCommand: haproxy.testCommand,
        reloadCommand: haproxy.reloadCommand,
        listen: haproxy.listen,
        tls: { listen: haproxy.tlsListen, certificate, redirectHttp: true },
        statusUrl: (slug) => `http://bot.test/sandboxes/${slug}`,
      });
    }
    await lb.apply(route(appA.target.port));
    await waitFor(async () => (await getTls(tlsPort, host, caPem).catch(() => null))?.status === 200, {
      what: `${kind} over TLS`,
    });
    // nginx's old worker still takes plain HTTP for ~100 ms after the reload; it knows no sandbox.
    if (kind === 'nginx') await nginx.settle();
  });
  afterAll(() => lb?.remove('pr1-app'));

  it('redirects plain HTTP to HTTPS (308, same path and query) and tells the app X-Forwarded-Proto https', async () => {
    const plain = await getWithHost(httpPort, host, { path: '/courses?page=2' });
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`https://${host}:${tlsPort}/courses?page=2`);
    const secure = await getTls(tlsPort, host, caPem, '/courses?page=2');
    expect(secure.status).toBe(200);
    expect(forwardedProto(secure.body)).toBe('https');
  });

  it('answers 503 with Retry-After and the status link while switching, never a bare error, and 502 once settled', async () => {
    const get = async () => {
      const answer = await getTls(tlsPort, host, caPem);
      return { status: answer.status, headers: answer.headers, body: answer.body };
    };
    await switchUnderPolling({
      get,
      switchTo: (port) => lb.apply(route(port, true)),
      settle: (port) => lb.apply(route(port)),
      afterSettle: async () => (kind === 'nginx' ? nginx.settle() : undefined),
    });
    await lb.apply(route(appA.target.port));
  });
});

describe.each(['nginx', 'haproxy'] as const)('%s certificate rotation', (kind) => {
  it('puts the previous certificate back when the new configuration is rejected, and installs it once accepted', async () => {
    // The test command fails while the flag file exists: a configuration the load balancer rejects.
    const flag = join(dir, `${kind}-reject`);
    const guard = (argv: string[]) => ['sh', '-c', 'test ! -e "$0" && exec "$@"', flag, ...argv];
    const harness = kind === 'nginx' ? nginx : haproxy;
    const options = {
      transport: local,
      configDir: harness.configDir,
      namePrefix: `rot${kind}-`,
      testCommand: guard(harness.testCommand),
      reloadCommand: harness.reloadCommand,
      // HAProxy's frontend of this prefix binds ports of its own.
      listen: kind === 'nginx' ? harness.listen : `127.0.0.1:${await findFreePort()}`,
    };
    const tlsListen = `127.0.0.1:${await findFreePort()}`;
    const lb =
      kind === 'nginx'
        ? createNginxLoadBalancer({ ...options, tls: { listen: tlsListen, certificate } })
        : createHaproxyLoadBalancer({ ...options, tls: { listen: tlsListen, certificate } });
    const installed = () =>
      readFileSync(join(harness.configDir, kind === 'nginx' ? `.rot${kind}-tls.crt` : `.rot${kind}-tls.pem`), 'utf8');
    await lb.apply(route(appA.target.port));
    const next = issue(`${kind}-next`);
    const nextCertificate = createCertificateSupply(configFor(next.certificateFile, next.keyFile), {}, logger)!.read();
    writeFileSync(flag, '');
    await expect(lb.useCertificate(nextCertificate)).rejects.toThrow(/rotating the certificate on .*rejected/);
    expect(installed()).toContain(certificate.certificate);
    rmSync(flag);
    await lb.useCertificate(nextCertificate);
    expect(installed()).toContain(nextCertificate.certificate);
    await lb.remove('pr1-app');
  });
});

describe('builtin proxy', () => {
  let server: Server;
  let tls: TlsListener;
  let closeProxy: () => Promise<void>;
  let httpPort: number;
  const routes = new Map<string, FakeRoute>();
  let redirect = true;

  beforeAll(async () => {
    routes.set(host, { slug: 'pr1-app', port: appA.target.port, activatedAt: new Date(Date.now() - 3_600_000) });
    const proxy = createBuiltinProxy({
      store: fakeProxyStore(routes),
      baseDomain,
      publicUrl: 'http://bot.test',
      logger,
      httpsPort: () => (redirect ? tls.port : null),
    });
    closeProxy = proxy.close;
    server = createServer((req, res) => void proxy.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    httpPort = (server.address() as { port: number }).port;
    tls = await startTlsListener({ server, certificate, host: '127.0.0.1', port: 0, logger });
  });
  afterAll(async () => {
    await tls?.close();
    await closeProxy?.();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('redirects plain HTTP to HTTPS and tells the app X-Forwarded-Proto https', async () => {
    const plain = await getWithHost(httpPort, host, { path: '/courses?page=2' });
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`https://${host}:${tls.port}/courses?page=2`);
    expect(forwardedProto((await getTls(tls.port, host, caPem)).body)).toBe('https');
    redirect = false;
    expect(forwardedProto((await getWithHost(httpPort, host)).body)).toBe('http');
    redirect = true;
  });

  it('answers 503 with Retry-After and the status link while switching, never a bare error, and 502 once settled', async () => {
    const get = async () => {
      const answer = await getTls(tls.port, host, caPem);
      return { status: answer.status, headers: answer.headers, body: answer.body };
    };
    await switchUnderPolling({
      get,
      switchTo: async (port) => void routes.set(host, { slug: 'pr1-app', port, activatedAt: new Date() }),
      settle: async (port) =>
        void routes.set(host, { slug: 'pr1-app', port, activatedAt: new Date(Date.now() - 3_600_000) }),
      afterSettle: async () => undefined,
    });
  });

  it('rotates to a replaced certificate file without a restart; a broken replacement keeps the current one', async () => {
    const supply = createCertificateSupply(configFor(files.certificateFile, files.keyFile), {}, logger)!;
    const rotation = startCertificateRotation({
      supply,
      initial: certificate,
      users: [tls],
      intervalMs: 60 * 60_000,
      logger,
    });
    // Two days from expiry and nothing renews a configured certificate: sbx doctor warns.
    const [doctor] = await checkTlsCertificate({
      config: configFor(files.certificateFile, files.keyFile),
      database: null,
      env: {},
    });
    expect(doctor).toMatchObject({ status: 'warn', hint: expect.stringContaining('the bot rotates it') });
    try {
      expect(await rotation.check()).toBe(false);
      const next = issue('second');
      copyFileSync(next.keyFile, files.keyFile);
      copyFileSync(next.certificateFile, files.certificateFile);
      expect(await rotation.check()).toBe(true);
      const serial = new X509Certificate(readFileSync(next.certificateFile)).serialNumber;
      expect((await getTls(tls.port, host, caPem)).serial).toBe(serial);
      // A key that does not belong to the certificate: logged, the second certificate keeps serving.
      copyFileSync(issue('third').keyFile, files.keyFile);
      expect(await rotation.check()).toBe(false);
      expect((await getTls(tls.port, host, caPem)).serial).toBe(serial);
    } finally {
      rotation.stop();
    }
  });
});
