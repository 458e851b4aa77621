import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/model';
import { archive, requestDeployment } from '../../src/core/operations/operations';
import { findDrift, healDrift } from '../../src/core/provisioning/reconcile';
import { createOpenStackClient, type OpenStackClient } from '../../src/infra/openstack/client';
import { bootServer, findFlavor, findImage, listServersByPrefix } from '../../src/infra/openstack/resources';
import { createConfiguredSandbox, viaBuiltinProxy } from '../support/manual-sandbox';
import { startOpenStack, type OpenStackStack } from '../support/openstack-stack';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { startSshd, type TestSshd } from '../support/sshd';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';

/**
 * The OpenStack provider against a real OpenStack (scripts/openstack-up.sh:
 * Keystone, Nova with the fake driver, Neutron, Glance, Placement). The fake
 * driver boots nothing, so `ssh_override` maps every VM to the real test
 * sshd: everything after ACTIVE (SSH, deploy, health, proxy) is real too.
 * The stack takes minutes to start: this is the one test file that does.
 */
const actor: Actor = { surface: 'cli', id: 'tester' };
let stack: OpenStackStack;
let sshd: TestSshd;
let repo: SampleRepo;
let t: TestBot;
let dir: string;
let os: OpenStackClient;
// Key pairs belong to the user and outlive a test run: a stack reused through SBX_OPENSTACK_DIR holds other runs' keys.
const keyName = `sbx-test-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  [stack, sshd] = await Promise.all([startOpenStack(), startSshd()]);
  repo = createSampleRepo();
  dir = mkdtempSync(join(tmpdir(), 'sbx-openstack-e2e-'));
  const keyPath = join(dir, 'id_bot');
  writeFileSync(keyPath, sshd.privateKey, { mode: 0o600 });
  const env = {
    OS_APP_ID: stack.env.application_credential_id,
    OS_APP_SECRET: stack.env.application_credential_secret,
  };
  os = createOpenStackClient({
    authUrl: stack.env.auth_url,
    auth: { kind: 'application_credential', id: env.OS_APP_ID, secret: env.OS_APP_SECRET },
    region: 'RegionOne',
    interface: 'public',
  });
  t = await startTestBot(
    `
base_domain: sandbox.test
repositories:
  - name: acme/sample
    url: ${repo.url}
    flavor: ${stack.env.flavors[1]}
    script:
      deploy: git rev-parse HEAD > built-commit.txt && echo built on the VM
      start: exec node server.mjs
      health_path: /healthz
      health_timeout: 20s
compute:
  provider: openstack
  openstack:
    auth_url: ${stack.env.auth_url}
    region: RegionOne
    application_credential_id_env: OS_APP_ID
    application_credential_secret_env: OS_APP_SECRET
    image: ${stack.env.image}
    network: ${stack.env.network}
    flavor: ${stack.env.flavors[0]}
    allowed_flavors: [${stack.env.flavors[1]}]
    name_prefix: sbxt-
    key_name: ${keyName}
    ssh:
      user: root
      private_key_path: ${keyPath}
    work_root: ${join(dir, 'work')}
    port_range: [31700, 31799]
    boot_timeout: 2m
    ssh_timeout: 30s
    poll_interval: 500ms
    ssh_override:
      address: 127.0.0.1
      port: ${sshd.port}
      host_key_fingerprint: "${sshd.hostKeyFingerprint}"
retention:
  min_age: 1h
`,
    env,
  );
}, 10 * 60_000);

afterAll(async () => {
  await t?.stop();
  await Promise.all([sshd?.stop(), stack?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 120_000);

const store = () => t.bot.provisioning.store;
const servers = async () => (await listServersByPrefix(os, 'sbxt-')).map((s) => `${s.name} ${s.status}`);

describe('openstack provider on a real OpenStack', () => {
  it('boots a VM per appserver, deploys over SSH, serves, and deletes the VM when the sandbox is archived', async () => {
    const instance = await createConfiguredSandbox(t, 'os1', 'acme/sample');
    await requestDeployment({ store: store() }, instance, { actor });
    await waitFor(async () => (await store().getInstance(instance.id))?.activeAppserverId != null, {
      timeoutMs: 150_000,
      what: 'the sandbox on its VM',
    });
    const appserver = (await store().findAppserver(instance.id, 1))!;
    expect(appserver.state).toBe('running');
    const host = (await store().getHost(appserver.hostId!))!;
    expect(host).toMatchObject({
      name: `sbxt-${appserver.id}-os1`,
      provider: 'openstack',
      address: '127.0.0.1',
      capacity: 1,
      acceptsNew: false,
      labels: [`flavor:${stack.env.flavors[1]}`],
    });
    expect(await servers()).toEqual([`sbxt-${appserver.id}-os1 ACTIVE`]);
    const [server] = await listServersByPrefix(os, 'sbxt-');
    const large = await findFlavor(os, stack.env.flavors[1]!);
    expect((server as unknown as { flavor: { original_name: string } }).flavor.original_name).toBe(large.name);

    const answer = await viaBuiltinProxy(t.url, 'os1.sandbox.test', { path: '/' });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ commit: repo.head() });
    const log = (await store().readLog(appserver.id)).map((c) => c.content).join('');
    expect(log).toContain('built on the VM');

    await archive({ store: store() }, (await store().getInstance(instance.id))!, { actor });
    await waitFor(async () => (await store().getAppserver(appserver.id))?.state === 'terminated', {
      timeoutMs: 90_000,
      what: 'the appserver terminated',
    });
    expect(await servers()).toEqual([]);
  }, 300_000);

  it('reconcile deletes a VM with the prefix that no appserver owns and restores the security group rules', async () => {
    const image = await findImage(os, stack.env.image);
    const flavor = await findFlavor(os, stack.env.flavors[0]!);
    const { networks } = await os.request<{ networks: { id: string }[] }>(
      'network',
      'GET',
      `/v2.0/networks?name=${stack.env.network}`,
    );
    await bootServer(os, {
      name: 'sbxt-999999-ghost',
      imageId: image.id,
      flavorId: flavor.id,
      networkId: networks[0]!.id,
      keyName,
      securityGroupIds: [],
      metadata: {},
      userData: '#cloud-config\n',
    });
    // By hand: an extra port opened on the bot's group.
    const { security_groups: groups } = await os.request<{ security_groups: { id: string }[] }>(
      'network',
      'GET',
      '/v2.0/security-groups?name=sandbox-bot',
    );
    await os.request('network', 'POST', '/v2.0/security-group-rules', {
      body: {
        security_group_rule: {
          security_group_id: groups[0]!.id,
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'tcp',
          port_range_min: 3306,
          port_range_max: 3306,
          remote_ip_prefix: '0.0.0.0/0',
        },
      },
    });

    const drift = await findDrift(t.bot.provisioning);
    expect(drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'zombie_machine',
          name: 'sbxt-999999-ghost',
          why: 'no appserver has id 999999',
        }),
        expect.objectContaining({
          kind: 'firewall_rules',
          changes: [expect.stringMatching(/^security group sandbox-bot: removed ingress rule /)],
        }),
      ]),
    );
    await healDrift(t.bot.provisioning, drift);
    await waitFor(async () => (await servers()).length === 0, { timeoutMs: 60_000, what: 'the zombie VM gone' });
    const after = await findDrift(t.bot.provisioning);
    expect(after.filter((d) => d.kind === 'zombie_machine' || d.kind === 'firewall_rules')).toEqual([]);
  }, 120_000);
});
