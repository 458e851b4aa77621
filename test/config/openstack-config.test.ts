import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema';
import { chooseFlavor, checkFlavorSetting } from '../../src/core/settings/sandbox-flavor';
import { explainSettings } from '../../src/core/settings/explain-settings';

const openstack = {
  auth_url: 'https://keystone.example.org:5000/v3',
  application_credential_id_env: 'OS_APP_ID',
  application_credential_secret_env: 'OS_APP_SECRET',
  image: 'debian-12',
  network: 'sandboxes',
  flavor: 'm1.small',
  allowed_flavors: ['m1.large'],
  ssh: { private_key_path: '/etc/sbx/id_ed25519' },
};
const messages = (input: unknown) => configSchema.safeParse(input).error?.issues.map((issue) => issue.message) ?? [];

describe('compute.openstack in sandbox.yml', () => {
  it('accepts a complete section with its defaults (rules 22/80/443, prefix sbx-)', () => {
    const config = configSchema.parse({ compute: { provider: 'openstack', openstack } });
    expect(config.compute.openstack).toMatchObject({
      name_prefix: 'sbx-',
      key_name: 'sandbox-bot',
      security_group: {
        name: 'sandbox-bot',
        rules: [22, 80, 443].map((port) => ({ protocol: 'tcp', port, remote_ip_prefix: '0.0.0.0/0' })),
      },
      boot_timeout: 600_000,
      ssh_override: null,
    });
  });

  it.each([
    [{ compute: { provider: 'openstack' } }, 'compute.provider openstack needs compute.openstack'],
    [{ compute: { openstack } }, 'compute.openstack needs provider openstack'],
    [
      { compute: { provider: 'openstack', openstack: { ...openstack, application_credential_secret_env: null } } },
      'give either application_credential_id_env and application_credential_secret_env, or username, password_env and project',
    ],
    [
      {
        compute: {
          provider: 'openstack',
          openstack: { ...openstack, username: 'bot', password_env: 'PW', project: 'p' },
        },
      },
      'give either application_credential_id_env',
    ],
    [
      {
        compute: {
          provider: 'openstack',
          openstack: { ...openstack, ssh: { private_key_env: 'K', private_key_path: '/k' } },
        },
      },
      'give exactly one of private_key_path and private_key_env',
    ],
    [
      {
        compute: {
          provider: 'openstack',
          openstack: { ...openstack, security_group: { rules: [{ protocol: 'icmp', port: 22 }] } },
        },
      },
      'give a port for tcp and udp rules, and none for icmp',
    ],
    [
      { compute: { provider: 'openstack', openstack }, repositories: [{ name: 'a/b', flavor: 'm1.huge' }] },
      'flavor m1.huge is not allowed; add it to compute.openstack.allowed_flavors or pick one of m1.small, m1.large',
    ],
    [
      { repositories: [{ name: 'a/b', flavor: 'm1.small' }] },
      'flavor needs compute.provider openstack (it is local); remove it',
    ],
    [
      { repositories: [{ name: 'a/b', security_groups: ['db'] }] },
      'security_groups needs compute.provider openstack (it is local); remove it',
    ],
  ])('refuses what would not work: %j', (input, message) => {
    expect(messages(input).join('\n')).toContain(message);
  });

  it('password auth is accepted with a project', () => {
    const { application_credential_id_env: _id, application_credential_secret_env: _secret, ...rest } = openstack;
    const parsed = configSchema.safeParse({
      compute: {
        provider: 'openstack',
        openstack: { ...rest, username: 'bot', password_env: 'OS_PW', project: 'sandboxes' },
      },
    });
    expect(parsed.success).toBe(true);
  });
});

describe('sandbox_flavor', () => {
  const allowed = ['m1.small', 'm1.large'];
  it.each([
    [{}, null, 'm1.small'],
    [{}, 'm1.large', 'm1.large'],
    [{ sandbox_flavor: 'm1.large' }, null, 'm1.large'],
    [{ sandbox_flavor: 'm1.small' }, 'm1.large', 'm1.small'],
  ])('settings %j, repository flavor %s → %s', (settings, repositoryFlavor, flavor) => {
    expect(chooseFlavor({ settings, repositoryFlavor, defaultFlavor: 'm1.small', allowed })).toEqual({
      ok: true,
      flavor,
    });
  });

  it('refuses anything outside the allow-list, and any value where the provider has no flavors', () => {
    expect(
      chooseFlavor({ settings: { sandbox_flavor: 'xl' }, repositoryFlavor: null, defaultFlavor: 'm1.small', allowed }),
    ).toEqual({
      ok: false,
      reason: 'flavor xl is not allowed; allowed: m1.small, m1.large',
    });
    expect(checkFlavorSetting({ sandbox_flavor: 'm1.large' }, allowed)).toBeNull();
    expect(checkFlavorSetting({ sandbox_flavor: 'xl' }, allowed)?.message).toContain(
      'sandbox_flavor must be one of m1.small, m1.large',
    );
    expect(checkFlavorSetting({ sandbox_flavor: 'm1.large' }, null)?.message).toContain(
      'sandbox_flavor works only with compute.provider openstack; remove it',
    );
  });

  it('a PR body picking a flavor not allowed is a settings error on the PR', () => {
    const body = '## Settings\n```yaml\nsandbox_flavor: m1.xlarge\n```\n';
    const explained = explainSettings({
      body,
      repository: 'acme/app',
      number: 1,
      baseDomain: 'sandbox.test',
      allowedFlavors: allowed,
    });
    expect(explained.errors.map((e) => e.message).join()).toContain('sandbox_flavor must be one of m1.small, m1.large');
    const fine = explainSettings({
      body: body.replace('m1.xlarge', 'm1.large'),
      repository: 'acme/app',
      number: 1,
      baseDomain: 'sandbox.test',
      allowedFlavors: allowed,
    });
    expect(fine.errors).toEqual([]);
    expect(fine.settings).toEqual({ sandbox_flavor: 'm1.large' });
  });
});
