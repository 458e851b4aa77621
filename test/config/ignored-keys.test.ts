import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findIgnoredKeys } from '../../src/config/ignored-keys';
import { ConfigError, loadConfig } from '../../src/config/load-config';

// Issue 15: `sbx config check` accepts a key only when it does something; each key below is refused where it would be ignored.
const repository = (extra: string) => `repositories:\n  - name: acme/app\n${extra}`;

const refused: [key: string, yaml: string, message: RegExp][] = [
  [
    'load_balancer.nginx',
    'load_balancer:\n  provider: builtin\n  nginx: { config_dir: /etc/nginx/sites-enabled }\n',
    /provider nginx reads it \(the provider is builtin\)/,
  ],
  [
    'load_balancer.haproxy',
    'load_balancer:\n  provider: nginx\n  haproxy: { listen: 80 }\n',
    /provider haproxy reads it \(the provider is nginx\)/,
  ],
  [
    'load_balancer.builtin',
    'load_balancer:\n  provider: haproxy\n  builtin: { tls_port: 3443 }\n',
    /provider builtin reads it \(the provider is haproxy\)/,
  ],
  ['load_balancer.builtin.tls_port', 'load_balancer:\n  builtin: { tls_port: 8443 }\n', /HTTPS is off/],
  [
    'load_balancer.nginx.tls_listen',
    'load_balancer:\n  provider: nginx\n  nginx: { tls_listen: 8443 }\n',
    /HTTPS is off/,
  ],
  [
    'load_balancer.haproxy.tls_listen',
    'load_balancer:\n  provider: haproxy\n  haproxy: { tls_listen: 8443 }\n',
    /HTTPS is off/,
  ],
  [
    'dns.gandi',
    'dns:\n  provider: wildcard\n  gandi: { zone: example.com, target: 192.0.2.1 }\n',
    /provider gandi reads it \(the provider is wildcard\)/,
  ],
  [
    'compute.local',
    'compute:\n  provider: ssh\n  local: { capacity: 4 }\n  hosts: [{ name: h1, address: 192.0.2.5 }]\n',
    /provider local reads it \(the provider is ssh\)/,
  ],
  [
    'compute.hosts',
    'compute:\n  provider: local\n  hosts: [{ name: h1, address: 192.0.2.5 }]\n',
    /records no SSH host; set provider: ssh/,
  ],
  [
    'repositories[0].tutor',
    repository('    recipe: compose\n    tutor: { build_image: false }\n'),
    /only recipe tutor reads it \(this repository's recipe is compose\)/,
  ],
  [
    'repositories[0].openedx_ansible',
    repository('    script: { start: ./serve }\n    openedx_ansible: { ansible: system }\n'),
    /only recipe openedx-ansible reads it \(this repository's recipe is script\)/,
  ],
  [
    'repositories[0].compose',
    repository('    recipe: tutor\n    compose: { build: false }\n'),
    /only recipe compose reads it/,
  ],
  [
    'repositories[0].script',
    repository('    recipe: compose\n    script: { start: ./serve }\n'),
    /only recipe script reads it/,
  ],
  [
    'repositories[0].databases',
    repository('    recipe: tutor\n    databases: { mysql: [app] }\n'),
    /tutor runs its own databases/,
  ],
  [
    'repositories[0].access_credentials_env',
    repository('    script: { start: ./serve }\n    access_credentials_env: SANDBOX_AUTH\n'),
    /only access: basic_auth uses credentials \(access is public\)/,
  ],
];

function problemsOf(yaml: string): string[] {
  const cwd = mkdtempSync(join(tmpdir(), 'sbx-ignored-'));
  writeFileSync(join(cwd, 'sandbox.yml'), yaml);
  try {
    loadConfig({ env: {}, cwd });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('keys accepted by the schema but ignored in this configuration', () => {
  it.each(refused)('%s is refused with the fix', (key, yaml, message) => {
    const problems = problemsOf(yaml);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${key}: accepted by the schema but ignored here: `);
    expect(problems[0]).toMatch(message);
  });

  it('leaves the keys alone where they are read', () => {
    expect(
      findIgnoredKeys({
        load_balancer: {
          provider: 'nginx',
          nginx: { tls_listen: 443 },
          tls: { certificate_file: '/c', key_file: '/k' },
        },
        dns: { provider: 'gandi', gandi: { zone: 'example.com' } },
        repositories: [
          { name: 'a/b', recipe: 'tutor', tutor: {} },
          { name: 'a/c', recipe: 'openedx-ansible', openedx_ansible: {}, databases: { mysql: ['extra'] } },
          { name: 'a/d', script: { start: 'x' }, access: 'basic_auth', access_credentials_env: 'AUTH' },
        ],
      }),
    ).toEqual([]);
  });

  it('the example configuration has none', () => {
    expect(problemsOf(readFileSync(join(__dirname, '../../sandbox.example.yml'), 'utf8'))).toEqual([]);
  });
});
