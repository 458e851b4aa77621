import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHostsAndLoadBalancer } from '../../src/cli/doctor-provisioning';
import { configSchema } from '../../src/config/schema';
import type { Database } from '../../src/infra/db/database';
import { createTestDatabase } from '../support/database';
import { startFakeGandi, type FakeGandi } from '../support/fake-gandi';
import { startHaproxy, type HaproxyHarness } from '../support/haproxy';

// Issue 15: `sbx doctor` checks HAProxy with `haproxy -c` and the Gandi token against the zone (a fake Gandi here).
let database: Database;
let gandi: FakeGandi;
let haproxy: HaproxyHarness;

beforeAll(async () => {
  [database, gandi, haproxy] = await Promise.all([
    createTestDatabase(),
    startFakeGandi({ zones: ['example.com'] }),
    startHaproxy(),
  ]);
});

afterAll(async () => {
  await Promise.all([database?.close(), gandi?.close(), haproxy?.stop()]);
});

const config = (token_env = 'GANDI_TOKEN', zone = 'example.com') =>
  configSchema.parse({
    base_domain: 'sbx.example.com',
    public_url: 'http://bot.example.com',
    compute: { local: { run_as: null } },
    load_balancer: {
      provider: 'haproxy',
      haproxy: {
        config_dir: haproxy.configDir,
        test_command: haproxy.testCommand,
        reload_command: haproxy.reloadCommand,
        listen: haproxy.listen,
      },
    },
    dns: { provider: 'gandi', gandi: { zone, token_env, target: '203.0.113.7', api_url: gandi.url } },
  });

describe('sbx doctor with haproxy and gandi', () => {
  it('passes with a valid haproxy configuration and a token that manages the zone', async () => {
    const results = await checkHostsAndLoadBalancer({ config: config(), database, env: { GANDI_TOKEN: gandi.token } });
    expect(results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          check: 'load balancer (haproxy)',
          status: 'ok',
          detail: expect.stringContaining('Configuration file is valid'),
        }),
        expect.objectContaining({
          check: 'dns (gandi)',
          status: 'ok',
          detail: expect.stringContaining('manages example.com'),
        }),
      ]),
    );
  });

  it('fails for a token Gandi refuses, for a zone it does not serve, and when the token variable is unset', async () => {
    const refused = await checkHostsAndLoadBalancer({ config: config(), database, env: { GANDI_TOKEN: 'expired' } });
    expect(refused).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'dns (gandi)', status: 'fail', detail: expect.stringContaining('HTTP 403') }),
      ]),
    );
    const otherZone = await checkHostsAndLoadBalancer({
      config: config('GANDI_TOKEN', 'example.org'),
      database,
      env: { GANDI_TOKEN: gandi.token },
    });
    expect(otherZone).toEqual(
      expect.arrayContaining([expect.objectContaining({ check: 'dns (gandi)', status: 'fail' })]),
    );
    const unset = await checkHostsAndLoadBalancer({ config: config('MISSING_TOKEN'), database, env: {} });
    expect(unset).toEqual([
      expect.objectContaining({ status: 'fail', detail: expect.stringContaining('MISSING_TOKEN') }),
    ]);
  });
});

describe('sandbox.yml', () => {
  it('refuses compute.provider openstack without its section and dns gandi without its section', () => {
    expect(configSchema.safeParse({ compute: { provider: 'openstack' } }).error?.issues[0]?.message).toContain(
      'compute.provider openstack needs compute.openstack',
    );
    expect(configSchema.safeParse({ dns: { provider: 'gandi' } }).error?.issues[0]?.message).toContain(
      'needs a dns.gandi section',
    );
    expect(
      configSchema.safeParse({ dns: { gandi: { zone: 'example.com', target: 'lb.example.com' } } }).error?.issues[0]
        ?.message,
    ).toContain('IPv4');
    expect(
      configSchema.safeParse({ dns: { gandi: { zone: 'example.com', api_key: 'x', target: '1.2.3.4' } } }).success,
    ).toBe(false);
  });
});
