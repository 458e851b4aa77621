import { createServer, type Server } from 'node:http';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTlsListener, type TlsListener } from '../../src/app/start-tls-listener';
import {
  createCertificateSupply,
  startCertificateRotation,
  type CertificateSupply,
} from '../../src/app/tls-certificates';
import { checkTlsCertificate } from '../../src/cli/doctor-tls';
import { configSchema, type Config } from '../../src/config/schema';
import { createLocalTransport } from '../../src/infra/hosts/local-transport';
import { createHaproxyLoadBalancer } from '../../src/infra/load-balancers/haproxy';
import { createNginxLoadBalancer } from '../../src/infra/load-balancers/nginx';
import type { TlsCertificate } from '../../src/infra/load-balancers/tls-certificate';
import { createLogger } from '../../src/infra/logger';
import { createBuiltinProxy } from '../../src/web/builtin-proxy';
import { fakeProxyStore } from '../support/builtin-proxy-store';
import { startFakeGandi, type FakeGandi } from '../support/fake-gandi';
import { startHaproxy, type HaproxyHarness } from '../support/haproxy';
import { startUpstream, type Upstream } from '../support/named-upstream';
import { findFreePort, startNginx, type NginxHarness } from '../support/nginx';
import { startPebble, type PebbleHarness } from '../support/pebble';
import { forwardedProto, getTls } from '../support/tls-client';
import { waitFor } from '../support/wait-for';

// Issue 15: certificates through ACME (DNS-01 via Gandi) from Debian's real pebble, renewed and rotated at every load balancer.
const baseDomain = 'sbx.example.com';
const host = `pr1-app.${baseDomain}`;
const logger = createLogger({ level: 'silent', format: 'json' });
const day = 24 * 60 * 60_000;

let dir: string;
let pebble: PebbleHarness;
let gandi: FakeGandi;
let upstream: Upstream;
let root: string;
let nginx: NginxHarness;
let haproxy: HaproxyHarness;
let server: Server;
let tls: TlsListener;
let closeProxy: () => Promise<void>;
let clock = new Date();
let supply: CertificateSupply;
let config: Config;
let first: TlsCertificate;

const serialOf = (certificate: TlsCertificate) => new X509Certificate(certificate.certificate).serialNumber;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sbx-acme-'));
  [pebble, gandi, upstream, nginx, haproxy] = await Promise.all([
    startPebble(),
    startFakeGandi({ zones: ['example.com'] }),
    startUpstream('app'),
    startNginx(),
    startHaproxy(),
  ]);
  root = await pebble.issuingRoot();
  config = configSchema.parse({
    base_domain: baseDomain,
    public_url: 'http://bot.test',
    data_dir: join(dir, 'data'),
    load_balancer: {
      provider: 'nginx',
      tls: {
        acme: {
          directory_url: pebble.directoryUrl,
          email: 'ops@example.com',
          terms_of_service_agreed: true,
          ca_file: pebble.apiCaFile,
          // pebble validates every challenge (PEBBLE_VA_ALWAYS_VALID); there is no public DNS to wait for.
          dns_check: false,
          renew_before: '30d',
        },
      },
    },
    dns: { provider: 'gandi', gandi: { zone: 'example.com', target: '127.0.0.1', api_url: gandi.url } },
  });
  supply = createCertificateSupply(config, { GANDI_TOKEN: gandi.token }, logger, () => clock)!;
}, 60_000);

afterAll(async () => {
  await tls?.close();
  await closeProxy?.();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await Promise.all([pebble?.stop(), gandi?.close(), upstream?.close(), nginx?.stop(), haproxy?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('ACME certificates', () => {
  it('are obtained through DNS-01 with the TXT record written to Gandi and removed after, and stored 0600', async () => {
    const env = { GANDI_TOKEN: gandi.token };
    // sbx doctor orders nothing: before the first start there is no certificate yet.
    expect(await checkTlsCertificate({ config, database: null, env })).toEqual([
      expect.objectContaining({
        status: 'warn',
        detail: expect.stringMatching(/no ACME certificate in .*acme-certificate\.pem yet/),
      }),
    ]);
    expect(gandi.calls).toEqual([]);
    first = await supply.initial();
    const [doctor] = await checkTlsCertificate({ config, database: null, env });
    expect(doctor).toMatchObject({ status: 'ok', detail: expect.stringContaining('ACME renews it from') });
    expect(first.names).toEqual([`*.${baseDomain}`, baseDomain]);
    // Both names (the wildcard and the base) answer at _acme-challenge.sbx: two values added, then removed.
    const challenge = '/v5/livedns/domains/example.com/records/_acme-challenge.sbx';
    expect(gandi.calls.filter((call) => call === `PUT ${challenge}/TXT`)).toHaveLength(3);
    expect(gandi.calls.at(-1)).toBe(`DELETE ${challenge}/TXT`);
    expect(gandi.zones.get('example.com')!.size).toBe(0);
    expect(gandi.unexpected).toEqual([]);
    for (const file of [supply.acme!.certificateFile, supply.acme!.keyFile, join(dir, 'data/tls/acme-account.key')])
      expect(statSync(file).mode & 0o777).toBe(0o600);
    // Stored and fresh: no second order.
    const calls = gandi.calls.length;
    expect(await supply.acme!.renew()).toBe('fresh');
    expect(gandi.calls).toHaveLength(calls);
  });

  it('are served by nginx, haproxy and the builtin proxy, renewed before expiry and rotated with zero failed requests', async () => {
    const nginxTlsPort = await findFreePort();
    const nginxLb = createNginxLoadBalancer({
      transport: createLocalTransport(),
      configDir: nginx.configDir,
      namePrefix: 'sbx-',
      testCommand: nginx.testCommand,
      reloadCommand: nginx.reloadCommand,
      listen: nginx.listen,
      tls: { listen: `127.0.0.1:${nginxTlsPort}`, certificate: first },
    });
    const haproxyLb = createHaproxyLoadBalancer({
      transport: createLocalTransport(),
      configDir: haproxy.configDir,
      namePrefix: 'sbx-',
      testCommand: haproxy.testCommand,
      reloadCommand: haproxy.reloadCommand,
      listen: haproxy.listen,
      tls: { listen: haproxy.tlsListen, certificate: first },
    });
    const route = { slug: 'pr1-app', domains: [host], target: upstream.target };
    await nginxLb.apply(route);
    await haproxyLb.apply(route);
    const proxy = createBuiltinProxy({
      store: fakeProxyStore(new Map([[host, { slug: 'pr1-app', port: upstream.target.port }]])),
      baseDomain,
      publicUrl: 'http://bot.test',
      logger,
    });
    closeProxy = proxy.close;
    server = createServer((req, res) => void proxy.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tls = await startTlsListener({ server, certificate: first, host: '127.0.0.1', port: 0, logger });

    const ports = { nginx: nginxTlsPort, haproxy: haproxy.tlsPort, builtin: tls.port };
    for (const [name, port] of Object.entries(ports)) {
      await waitFor(async () => (await getTls(port, host, root).catch(() => null))?.status === 200, {
        what: `${name} over TLS with the ACME certificate`,
      });
      const answer = await getTls(port, host, root);
      expect(answer.serial, name).toBe(serialOf(first));
      expect(forwardedProto(answer.body), name).toBe('https');
    }
    await nginx.settle();

    // 29 days before expiry (renew_before is 30 days): due.
    clock = new Date(first.validTo.getTime() - 29 * day);
    expect(await supply.acme!.renew()).toBe('renewed');
    const second = supply.read();
    expect(serialOf(second)).not.toBe(serialOf(first));

    const failures: string[] = [];
    let polls = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        for (const [name, port] of Object.entries(ports)) {
          polls += 1;
          const answer = await getTls(port, host, root).catch((error: Error) => ({ status: 0, body: error.message }));
          if (answer.status !== 200) failures.push(`${name}: ${answer.status} ${answer.body.slice(0, 80)}`);
        }
      }
    })();
    const rotation = startCertificateRotation({
      supply,
      initial: first,
      users: [nginxLb, haproxyLb, tls],
      intervalMs: 60 * 60_000,
      logger,
    });
    try {
      expect(await rotation.check()).toBe(true);
      expect(await rotation.check()).toBe(false);
      for (const [name, port] of Object.entries(ports))
        await waitFor(async () => (await getTls(port, host, root)).serial === serialOf(second), {
          timeoutMs: 10_000,
          what: `${name} to serve the renewed certificate`,
        });
    } finally {
      rotation.stop();
      polling = false;
      await poller;
    }
    expect(failures).toEqual([]);
    expect(polls).toBeGreaterThan(3);
    expect(gandi.unexpected).toEqual([]);
  });
});
