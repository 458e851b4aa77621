import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openstackSchema } from '../../src/config/openstack-schema';
import { isSandboxError, type SandboxError } from '../../src/core/errors';
import { checkOpenStack } from '../../src/infra/openstack/check-openstack';
import { createOpenStackClient } from '../../src/infra/openstack/client';
import { isOpenStackError, type OpenStackError } from '../../src/infra/openstack/errors';
import { createOpenStackMachines } from '../../src/infra/openstack/openstack-machines';
import { startFakeOpenStack, type FakeOpenStack } from '../support/fake-openstack';
import { startSshd, type TestSshd } from '../support/sshd';

/** The client and the machine pool against a recorded-response fake cloud; SSH after ACTIVE is the real test sshd. */
let fake: FakeOpenStack;
let sshd: TestSshd;
let dir: string;
let keyPath: string;

beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'sbx-openstack-'));
  keyPath = join(dir, 'id_bot');
  writeFileSync(keyPath, sshd.privateKey, { mode: 0o600 });
});
afterAll(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  fake = await startFakeOpenStack();
});
afterEach(async () => {
  expect(fake.unexpected).toEqual([]);
  await fake.stop();
});

const env = () => ({ OS_APP_ID: fake.appCredential.id, OS_APP_SECRET: fake.appCredential.secret, OS_PW: 'pw' });
const config = (extra: Record<string, unknown> = {}) =>
  openstackSchema.parse({
    auth_url: fake.authUrl,
    application_credential_id_env: 'OS_APP_ID',
    application_credential_secret_env: 'OS_APP_SECRET',
    image: 'debian-sbx',
    network: 'sandbox-net',
    flavor: 'sbx.small',
    allowed_flavors: ['sbx.large'],
    ssh: { user: 'root', private_key_path: keyPath },
    work_root: join(dir, 'work'),
    boot_timeout: '3s',
    ssh_timeout: '10s',
    poll_interval: '20ms',
    ssh_override: { address: '127.0.0.1', port: sshd.port, host_key_fingerprint: sshd.hostKeyFingerprint },
    ...extra,
  });
const pool = (
  extra: Record<string, unknown> = {},
  repositories = [{ name: 'acme/app', flavor: null, security_groups: [] as string[] }],
) => createOpenStackMachines({ config: config(extra), repositories, env: env() });
const request = (settings: Record<string, unknown> = {}) => ({
  appserverId: 7,
  slug: 'pr1-app',
  repository: 'acme/app',
  settings,
});
const failure = async (promise: Promise<unknown>): Promise<SandboxError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isSandboxError(error)) throw new Error(`expected a SandboxError, got ${String(error)}`);
  return error;
};

describe('openstack client', () => {
  const client = (auth: 'app' | 'password') =>
    createOpenStackClient({
      authUrl: fake.authUrl.replace(/\/v3$/, ''),
      auth:
        auth === 'app'
          ? { kind: 'application_credential', ...fake.appCredential }
          : {
              kind: 'password',
              username: 'sandbox-bot',
              password: 'pw',
              userDomain: 'Default',
              projectName: 'sandboxes',
              projectDomain: 'Default',
            },
      region: 'RegionOne',
      interface: 'public',
    });
  const auths = () => fake.calls.filter((c) => c === 'POST /identity/v3/auth/tokens').length;

  it.each(['app', 'password'] as const)(
    'authenticates once (%s) and reuses the token across services',
    async (kind) => {
      const os = client(kind);
      expect(await os.projectId()).toBe(fake.projectId);
      await os.request('network', 'GET', '/v2.0/networks?name=sandbox-net');
      await os.request('image', 'GET', '/v2/images?name=debian-sbx');
      expect(auths()).toBe(1);
    },
  );

  it('authenticates again on a 401 for an expired token, once', async () => {
    const os = client('app');
    await os.request('network', 'GET', '/v2.0/networks?name=sandbox-net');
    fake.expireTokens();
    const { networks } = await os.request<{ networks: unknown[] }>('network', 'GET', '/v2.0/networks?name=sandbox-net');
    expect(networks).toHaveLength(1);
    expect(auths()).toBe(2);
  });

  it('gives typed errors: wrong credentials 401, a 5xx with an HTML body, an unknown catalog type', async () => {
    const wrong = createOpenStackClient({
      authUrl: fake.authUrl,
      auth: { kind: 'application_credential', id: 'ac-1', secret: 'nope' },
      region: null,
      interface: 'public',
    });
    const unauthorized = (await wrong.projectId().catch((e: unknown) => e)) as OpenStackError;
    expect(isOpenStackError(unauthorized, 'unauthorized')).toBe(true);
    expect(unauthorized.message).toMatch(/requires authentication\. \(HTTP 401\)$/);

    fake.failCompute(1);
    const os = client('app');
    const down = (await os
      .request('compute', 'GET', '/flavors', { headers: { 'OpenStack-API-Version': 'compute 2.79' } })
      .catch((e: unknown) => e)) as OpenStackError;
    expect(down.kind).toBe('server_error');
    expect(down.message).toBe('GET compute /flavors: 503 Service Unavailable No server is available. (HTTP 503)');

    const regional = createOpenStackClient({
      authUrl: fake.authUrl,
      auth: { kind: 'application_credential', ...fake.appCredential },
      region: 'elsewhere',
      interface: 'public',
    });
    await expect(regional.request('network', 'GET', '/v2.0/networks')).rejects.toThrow(
      'the catalog has no public network endpoint in region elsewhere',
    );
  });
});

describe('openstack machine pool', () => {
  it('boots a VM with IDs, the flavor a PR picked, waits for ACTIVE and SSH, and deletes it on release', async () => {
    const machines = pool();
    const host = await machines.acquire(request({ sandbox_flavor: 'sbx.large' }));
    expect(host).toMatchObject({ name: 'sbx-7-pr1-app', address: '127.0.0.1', port: sshd.port, size: 'sbx.large' });
    const [server] = [...fake.servers.values()];
    expect(server).toMatchObject({ status: 'ACTIVE', flavorId: 'f-large', securityGroups: ['sg-1'] });
    expect(fake.keypairs.get('sandbox-bot')).toMatch(/^ssh-ed25519 /);
    expect(await machines.list()).toEqual([{ id: server!.id, name: 'sbx-7-pr1-app', appserverId: 7 }]);
    await machines.release('sbx-7-pr1-app');
    expect(fake.servers.size).toBe(0);
  });

  it('refuses a flavor outside the allow-list before calling the cloud', async () => {
    const error = await failure(pool().acquire(request({ sandbox_flavor: 'huge' })));
    expect(error.code).toBe('settings_invalid');
    expect(error.message).toBe('flavor huge is not allowed; allowed: sbx.small, sbx.large');
    expect(fake.calls).toEqual([]);
  });

  it('ERROR is final: records fault.message and deletes the server', async () => {
    fake.failNextBoot('No valid host was found. There are not enough hosts available.');
    const error = await failure(pool().acquire(request()));
    expect(error.code).toBe('deploy_failed');
    expect(error.message).toBe(
      'OpenStack could not boot sbx-7-pr1-app: No valid host was found. There are not enough hosts available. (the server was deleted)',
    );
    expect(fake.servers.size).toBe(0);
  });

  it('a quota 403 becomes a clear no_capacity reason', async () => {
    fake.refuseNextBoot(
      403,
      'forbidden',
      'Quota exceeded for ram: Requested 2048, but already used 50176 of 51200 ram',
    );
    const error = await failure(pool().acquire(request()));
    expect(error.code).toBe('no_capacity');
    expect(error.message).toMatch(
      /^OpenStack quota exceeded booting sbx-7-pr1-app: POST compute \/servers: Quota exceeded for ram: .*\(HTTP 403\); free VMs or raise the project’s quota$/,
    );
    expect(fake.servers.size).toBe(0);
  });

  it('an ambiguous security group (two of the name) is refused with both IDs; Nova’s 409 is reported as is', async () => {
    fake.addGroup('sandbox-bot');
    fake.addGroup('sandbox-bot');
    const ambiguous = await failure(pool().acquire(request()));
    expect(ambiguous.code).toBe('config_invalid');
    expect(ambiguous.message).toContain(
      '2 security groups are named sandbox-bot (sg-1, sg-2), the bot’s own group; delete all but one',
    );

    fake.groups.delete('sg-2');
    fake.refuseNextBoot(
      409,
      'conflictingRequest',
      'Multiple security_group matches found for name db, use an ID to be more specific.',
    );
    const conflict = await failure(pool().acquire(request()));
    expect(conflict.message).toContain('Multiple security_group matches found for name db');
    expect(fake.servers.size).toBe(0);
  });

  it('extra groups of the repository are booted by ID; a missing one names the setting', async () => {
    const db = fake.addGroup('db-access');
    const machines = pool({}, [{ name: 'acme/app', flavor: null, security_groups: ['db-access'] }]);
    await machines.acquire(request());
    // The bot's own group (made second, sg-2) first, then the repository's.
    expect([...fake.servers.values()][0]!.securityGroups).toEqual(['sg-2', db]);
    await machines.release('sbx-7-pr1-app');
    const missing = await failure(
      pool({}, [{ name: 'acme/app', flavor: null, security_groups: ['nope'] }]).acquire(request()),
    );
    expect(missing.message).toContain('no security group named nope; check security_groups of repository acme/app');
  });

  it('a 5xx at boot fails clearly; a 5xx while polling passes', async () => {
    const machines = pool();
    await machines.acquire(request()).then(() => machines.release('sbx-7-pr1-app'));
    fake.calls.length = 0;
    fake.refuseNextBoot(500, 'computeFault', 'Unexpected API Error.');
    const error = await failure(machines.acquire(request()));
    expect(error.code).toBe('host_unreachable');
    expect(error.message).toContain('POST compute /servers: Unexpected API Error. (HTTP 500)');

    fake.buildPolls = 3;
    const polling = machines.acquire(request());
    // The POST goes through, then two polls meet a 503.
    while (![...fake.servers.values()].length) await new Promise((r) => setTimeout(r, 5));
    fake.failCompute(2);
    await expect(polling).resolves.toMatchObject({ name: 'sbx-7-pr1-app' });
  });

  it('a slow BUILD past boot_timeout is deleted and says where it stopped', async () => {
    fake.buildPolls = 1_000;
    const error = await failure(pool({ boot_timeout: '300ms' }).acquire(request()));
    expect(error.code).toBe('host_unreachable');
    expect(error.message).toMatch(/server sbx-7-pr1-app was not ACTIVE within 0.3 s \(last seen BUILD\/spawning\)/);
    expect(fake.servers.size).toBe(0);
  });

  it('owns its security group: creates it with 22/80/443, removes a rule added by hand, restores a deleted one', async () => {
    const machines = pool();
    expect(await machines.firewall(false)).toEqual([
      'created security group sandbox-bot',
      'security group sandbox-bot: added ingress tcp 22 from 0.0.0.0/0',
      'security group sandbox-bot: added ingress tcp 80 from 0.0.0.0/0',
      'security group sandbox-bot: added ingress tcp 443 from 0.0.0.0/0',
    ]);
    expect(fake.groups.size).toBe(0);
    await machines.firewall(true);
    expect(await machines.firewall(false)).toEqual([]);
    const ssh = fake.rules.find((r) => r.port_range_min === 22)!;
    fake.rules = fake.rules.filter((r) => r !== ssh);
    fake.rules.push({ ...ssh, id: 'by-hand', port_range_min: 5432, port_range_max: 5432 });
    expect(await machines.firewall(true)).toEqual([
      'security group sandbox-bot: added ingress tcp 22 from 0.0.0.0/0',
      'security group sandbox-bot: removed ingress rule by-hand (not in sandbox.yml)',
    ]);
    expect(await machines.firewall(false)).toEqual([]);
    expect(fake.rules.filter((r) => r.direction === 'egress')).toHaveLength(2);
  });

  it('two callers creating the missing group at once end with one group (the smallest ID), each using it', async () => {
    fake.groupLookupsTogether = 2; // both lookups answer "none" only once both have asked
    const [a, b] = [pool(), pool()];
    await Promise.all([a.firewall(true), b.firewall(true)]);
    expect([...fake.groups.values()].filter((g) => g.name === 'sandbox-bot')).toHaveLength(1);
    expect(fake.calls.filter((call) => call.startsWith('POST /network/v2.0/security-groups'))).toHaveLength(2);
    expect(await a.firewall(false)).toEqual([]);
    expect(await b.firewall(false)).toEqual([]);
  });

  it('lists every VM with the prefix; names it did not make have no appserver', async () => {
    const machines = pool();
    await machines.acquire(request());
    fake.servers.set('other', {
      id: 'other',
      name: 'sbx-manual',
      status: 'ACTIVE',
      polls: 0,
      flavorId: 'f-small',
      securityGroups: [],
    });
    fake.servers.set('theirs', {
      id: 'theirs',
      name: 'web-1',
      status: 'ACTIVE',
      polls: 0,
      flavorId: 'f-small',
      securityGroups: [],
    });
    const listed = await machines.list();
    expect(listed.map((m) => [m.name, m.appserverId]).sort()).toEqual([
      ['sbx-7-pr1-app', 7],
      ['sbx-manual', null],
    ]);
    await machines.remove(listed.find((m) => m.name === 'sbx-manual')!);
    expect([...fake.servers.values()].map((s) => s.name).sort()).toEqual(['sbx-7-pr1-app', 'web-1']);
  });

  it('doctor: auth, key, image, every flavor and the network found; a missing image fails its row', async () => {
    const rows = await checkOpenStack({ config: config(), repositories: [], env: env() });
    expect(rows.map((r) => [r.what, r.ok])).toEqual([
      ['auth', true],
      ['ssh key', true],
      ['image debian-sbx', true],
      ['flavor sbx.small', true],
      ['flavor sbx.large', true],
      ['network sandbox-net', true],
    ]);
    const bad = await checkOpenStack({ config: config({ image: 'ubuntu' }), repositories: [], env: env() });
    expect(bad.find((r) => r.what === 'image ubuntu')).toMatchObject({
      ok: false,
      detail: 'no active image named ubuntu; check compute.openstack.image in sandbox.yml',
    });
    const unset = await checkOpenStack({ config: config(), repositories: [], env: {} });
    expect(unset[0]).toMatchObject({ what: 'auth', ok: false });
    expect(unset[0]!.detail).toContain('environment variable OS_APP_ID is not set');
  });
});
