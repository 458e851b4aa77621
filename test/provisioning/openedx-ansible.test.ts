import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Instance } from '../../src/core/model';
import { requestDeployment } from '../../src/core/operations/operations';
import { createConfigurationRepo } from '../support/openedx-configuration-repo';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { createConfiguredSandbox, viaBuiltinProxy } from '../support/manual-sandbox';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';

// Debian's real ansible-playbook (scripts/install-system-deps.sh) runs a fixture
// configuration repository against this machine: the real Open edX playbooks
// need an Ubuntu 20.04 VM and PyPI, neither of which exists here.
const actor: Actor = { surface: 'cli', id: 'tester' };
let t: TestBot;
let platform: SampleRepo;
let configuration: { url: string };
const original = readFileSync(
  join(import.meta.dirname, '..', 'fixtures', 'openedx-configuration', 'playbooks', 'openedx_native.yml'),
  'utf8',
);

beforeAll(async () => {
  platform = createSampleRepo();
  configuration = createConfigurationRepo({
    v2: { 'playbooks/openedx_native.yml': original.replace('fixture_branch: main', 'fixture_branch: v2') },
    failing: {
      'playbooks/openedx_native.yml': original.replace(
        '  tasks:\n',
        '  tasks:\n    - name: Migrate the databases\n      ansible.builtin.fail:\n        msg: the database is gone\n',
      ),
    },
    silent: {
      'playbooks/openedx_native.yml': original.replace(
        '  tasks:\n',
        '  tasks:\n    - name: Hang without a word\n      ansible.builtin.command: sleep 60\n',
      ),
    },
  });
  const block = (extra = '') => `
    recipe: openedx-ansible
    url: ${platform.url}
    fields:
      configuration_source_repo_url: file:///nonexistent/configuration
    openedx_ansible:
      ansible: system
      start: 'echo "services started on $PORT"'
      stop: 'kill "$(cat "$SBX_WORK_DIR/openedx/configuration/heartbeat.pid")"'
      health_timeout: 20s
${extra}`;
  t = await startTestBot(`
repositories:
  - name: acme/edx-platform
${block()}
  - name: acme/edx-silent
${block('      line_timeout: 3s')}
`);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

const store = () => t.bot.provisioning.store;

async function settle(slug: string, timeoutMs = 60_000) {
  const instance = (await store().findInstanceBySlug(slug))!;
  await waitFor(
    async () => ['running', 'failed', 'error'].includes((await store().findAppserver(instance.id, 1))?.state ?? ''),
    { timeoutMs, what: `${slug} appserver 1 to settle` },
  );
  return (await store().findAppserver(instance.id, 1))!;
}

describe('openedx-ansible with Debian’s ansible-playbook and a fixture configuration repository', () => {
  it('runs the playbook with the predecessor’s variables, PR field overrides (alias included), health on /heartbeat with the LMS Host, and routes Studio', async () => {
    const started = Date.now();
    const edx = await create('edx', 'acme/edx-platform', {
      configuration_version: 'v2',
      edx_ansible_source_repo: configuration.url,
      EDXAPP_PLATFORM_NAME: 'Reviewed Platform',
    });
    expect(edx.fields).toMatchObject({
      configuration_version: 'v2',
      configuration_source_repo_url: configuration.url,
      openedx_release: 'master',
      configuration_playbook_name: 'playbooks/openedx_native.yml',
    });
    expect(edx.extraDomains).toEqual(['studio-edx.localhost', 'preview-edx.localhost']);
    await requestDeployment({ store: store() }, edx, { actor });
    const appserver = await settle('edx');
    expect(appserver.failureReason).toBeNull();
    expect(appserver.state).toBe('running');
    console.info(`openedx-ansible fixture deploy: ${Date.now() - started} ms to running`);

    const clone = join(appserver.workDir!, 'openedx', 'configuration');
    const received = JSON.parse(readFileSync(join(clone, 'received-vars.json'), 'utf8'));
    expect(received).toEqual({
      EDXAPP_LMS_BASE: 'edx.localhost',
      EDXAPP_CMS_BASE: 'studio-edx.localhost',
      EDXAPP_PREVIEW_LMS_BASE: 'preview-edx.localhost',
      EDXAPP_SITE_NAME: 'edx.localhost',
      EDXAPP_LMS_SITE_NAME: 'edx.localhost',
      EDXAPP_CMS_SITE_NAME: 'studio-edx.localhost',
      EDXAPP_SESSION_COOKIE_DOMAIN: '.edx.localhost',
      EDXAPP_PLATFORM_NAME: 'Reviewed Platform',
      EDXAPP_LMS_NGINX_PORT: String(appserver.port),
      edx_platform_repo: platform.url,
      edx_platform_version: 'main',
      EDX_PLATFORM_VERSION: 'main',
      edx_ansible_source_repo: configuration.url,
      configuration_version: 'v2',
      CONFIGURATION_VERSION: 'v2',
      forum_version: 'master',
      XQUEUE_VERSION: 'master',
      SBX_SLUG: 'edx',
      SBX_DOMAIN: 'edx.localhost',
      SBX_PORT: appserver.port,
      fixture_branch: 'v2',
    });
    const probes = readFileSync(join(clone, 'heartbeat.log'), 'utf8');
    expect(probes).toContain('GET /heartbeat edx.localhost');
    expect(probes).toContain('GET /heartbeat studio-edx.localhost');

    await waitFor(async () => (await store().findInstanceBySlug('edx'))?.activeAppserverId === appserver.id, {
      what: 'activation',
    });
    const studio = await viaProxy('studio-edx.localhost', '/heartbeat');
    expect(studio.status).toBe(200);
    expect(JSON.parse(studio.body).host).toMatch(/^studio-edx\.localhost/);
    const text = (await store().readLog(appserver.id)).map((chunk) => chunk.content).join('');
    expect(text).toContain('TASK [Record the variables received]');
    expect(text).toContain('services started on');
  }, 90_000);

  it('a failing playbook fails the appserver with the failed task as the reason', async () => {
    const broken = await create('edx-broken', 'acme/edx-platform', {
      configuration_version: 'failing',
      edx_ansible_source_repo: configuration.url,
    });
    await requestDeployment({ store: store() }, broken, { actor });
    const appserver = await settle('edx-broken');
    expect(appserver.state).toBe('failed');
    expect(appserver.failureReason).toMatch(
      /^playbook playbooks\/openedx_native\.yml failed at task "Migrate the databases": the database is gone; deploy phase exited with status 2/,
    );
    expect((await store().findInstanceBySlug('edx-broken'))?.activeAppserverId).toBeNull();
  }, 90_000);

  it('a playbook silent for line_timeout is stopped and fails the deploy', async () => {
    const silent = await create('edx-silent', 'acme/edx-silent', {
      configuration_version: 'silent',
      edx_ansible_source_repo: configuration.url,
    });
    const started = Date.now();
    await requestDeployment({ store: store() }, silent, { actor });
    const appserver = await settle('edx-silent');
    expect(appserver.state).toBe('failed');
    expect(appserver.failureReason).toContain(
      'playbook playbooks/openedx_native.yml timed out: no output for 3 s; deploy phase exited with status 124',
    );
    expect(Date.now() - started).toBeLessThan(40_000);
  }, 90_000);
});

const create = (slug: string, repository: string, settings: Record<string, unknown>): Promise<Instance> =>
  createConfiguredSandbox(t, slug, repository, settings, actor);
const viaProxy = (host: string, path = '/') => viaBuiltinProxy(t.url, host, { path });
