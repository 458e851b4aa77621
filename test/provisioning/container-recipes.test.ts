import { chmodSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/model';
import { deleteInstance, requestDeployment } from '../../src/core/operations/operations';
import { createSampleRepo } from '../support/sample-repo';
import { createConfiguredSandbox } from '../support/manual-sandbox';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';

// No container runtime runs on these machines (see STACK-NOTES): the `tutor`
// and `docker` on PATH here are FAKES from test/fixtures/fake-bin that record
// their argv and environment and start a stand-in heartbeat server. The tests
// check the exact commands each recipe runs and that sandboxes never share a
// Tutor root, compose project, port or image tag.
const actor: Actor = { surface: 'cli', id: 'tester' };
let t: TestBot;
let fakeBin: string;
const savedPath = process.env.PATH;

interface Call {
  argv: string[];
  env: Record<string, string | null>;
  cwd: string;
}
const calls = (): Call[] =>
  readFileSync(join(fakeBin, 'calls.log'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Call);

beforeAll(async () => {
  fakeBin = mkdtempSync(join(tmpdir(), 'sbx-fake-bin-'));
  cpSync(join(import.meta.dirname, '..', 'fixtures', 'fake-bin'), fakeBin, { recursive: true });
  chmodSync(fakeBin, 0o777);
  writeFileSync(join(fakeBin, 'calls.log'), '');
  chmodSync(join(fakeBin, 'calls.log'), 0o666);
  // Phases get the bot's PATH: the fakes come first.
  process.env.PATH = `${fakeBin}:${savedPath}`;
  const repo = createSampleRepo();
  repo.commit({ 'docker-compose.yml': 'services:\n  web:\n    build: .\n    ports: ["127.0.0.1:${PORT}:80"]\n' });
  t = await startTestBot(`
repositories:
  - name: acme/edx-platform
    url: ${repo.url}
    recipe: tutor
    settings:
      OPENEDX_EXTRA_PIP_REQUIREMENTS: [edx-sga]
    tutor:
      install: system
      health_timeout: 20s
  - name: acme/webapp
    url: ${repo.url}
    recipe: compose
    compose:
      health_path: /heartbeat
      health_timeout: 20s
`);
}, 60_000);

afterAll(async () => {
  await t?.stop();
  process.env.PATH = savedPath;
});

const store = () => t.bot.provisioning.store;

async function deploy(slug: string, repository: string) {
  const instance = await createConfiguredSandbox(t, slug, repository, {}, actor);
  await requestDeployment({ store: store() }, instance, { actor });
  await waitFor(
    async () => ['running', 'failed', 'error'].includes((await store().findAppserver(instance.id, 1))?.state ?? ''),
    { timeoutMs: 40_000, what: `${slug} to settle` },
  );
  const appserver = (await store().findAppserver(instance.id, 1))!;
  expect(appserver.failureReason).toBeNull();
  expect(appserver.state).toBe('running');
  return { instance, appserver };
}

const setValue = (call: Call, key: string) =>
  call.argv
    .filter((arg, i) => call.argv[i - 1] === '--set' && arg.startsWith(`${key}=`))
    .map((arg) => arg.slice(key.length + 1))
    .at(-1);

describe('tutor (fake tutor on PATH)', () => {
  it('runs config save, images build, launch and start with one root, project, port and image per sandbox', async () => {
    const first = await deploy('tutor-one', 'acme/edx-platform');
    const second = await deploy('tutor-two', 'acme/edx-platform');
    const bySlug = (slug: string) => calls().filter((call) => call.argv[0] === 'tutor' && call.env.SBX_SLUG === slug);
    const one = bySlug('tutor-one');
    expect(one.map((call) => call.argv.slice(0, 3).join(' '))).toEqual([
      'tutor config save',
      'tutor images build',
      'tutor local launch',
      'tutor local start',
    ]);
    expect(one[0]!.argv.slice(1)).toEqual([
      'config',
      'save',
      '--set',
      'OPENEDX_EXTRA_PIP_REQUIREMENTS=["edx-sga"]',
      '--set',
      'PLATFORM_NAME=tutor-one',
      '--set',
      'CONTACT_EMAIL=contact@example.com',
      '--set',
      'ENABLE_HTTPS=false',
      '--set',
      `EDX_PLATFORM_REPOSITORY=${t.config.repositories[0]!.url}`,
      '--set',
      'EDX_PLATFORM_VERSION=main',
      '--set',
      'LMS_HOST=tutor-one.localhost',
      '--set',
      'CMS_HOST=studio-tutor-one.localhost',
      '--set',
      'MFE_HOST=apps-tutor-one.localhost',
      '--set',
      'ENABLE_WEB_PROXY=false',
      '--set',
      `CADDY_HTTP_PORT=127.0.0.1:${first.appserver.port}`,
      '--set',
      'LOCAL_PROJECT_NAME=tutor_tutor_one',
      '--set',
      'DOCKER_IMAGE_OPENEDX=openedx-tutor-one:appserver-1',
    ]);
    expect(one.map((call) => call.argv.slice(1))).toContainEqual(['images', 'build', 'openedx']);
    expect(one.map((call) => call.argv.slice(1))).toContainEqual(['local', 'launch', '--non-interactive']);
    expect(one.map((call) => call.argv.slice(1))).toContainEqual(['local', 'start', '--detach']);
    const two = bySlug('tutor-two');
    for (const key of ['CADDY_HTTP_PORT', 'LOCAL_PROJECT_NAME', 'DOCKER_IMAGE_OPENEDX', 'LMS_HOST'])
      expect(setValue(one[0]!, key)).not.toBe(setValue(two[0]!, key));
    expect(one[0]!.env.TUTOR_ROOT).toMatch(/\/tutor-one\/appserver-1\/\.\.\/data\/tutor$/);
    expect(two[0]!.env.TUTOR_ROOT).not.toBe(one[0]!.env.TUTOR_ROOT);
    // Health: the LMS and Studio heartbeats with their Host headers on the sandbox's Caddy port.
    const heartbeats = readFileSync(join(one[0]!.env.TUTOR_ROOT!, 'heartbeat.log'), 'utf8');
    expect(heartbeats).toContain('GET /heartbeat tutor-one.localhost');
    expect(heartbeats).toContain('GET /heartbeat studio-tutor-one.localhost');
    expect(second.instance.extraDomains).toEqual(['studio-tutor-two.localhost', 'apps-tutor-two.localhost']);
  }, 90_000);
});

describe('compose (fake docker on PATH)', () => {
  it('pulls and brings the project up per sandbox, and deletes it with down -v', async () => {
    const first = await deploy('web-one', 'acme/webapp');
    await deploy('web-two', 'acme/webapp');
    const docker = (slug: string) => calls().filter((call) => call.argv[0] === 'docker' && call.env.SBX_SLUG === slug);
    const envFile = `${first.appserver.workDir}/sandbox.env`;
    const prefix = ['docker', 'compose', '-p', 'web-one', '--env-file', envFile, '-f', 'docker-compose.yml'];
    expect(docker('web-one').map((call) => call.argv)).toEqual([
      [...prefix, 'pull', '--quiet', '--ignore-buildable'],
      [...prefix, 'up', '-d', '--build', '--wait', '--remove-orphans'],
      [...prefix, 'start'],
    ]);
    expect(docker('web-one')[1]!.cwd).toBe(`${first.appserver.workDir}/checkout`);
    expect(docker('web-two')[1]!.argv[3]).toBe('web-two');
    expect(docker('web-two')[1]!.env.PORT).not.toBe(docker('web-one')[1]!.env.PORT);

    await deleteInstance({ store: store() }, first.instance, { actor, force: true });
    await waitFor(
      async () =>
        calls().some(
          (call) => call.argv.join(' ') === 'docker compose -p web-one down -v --remove-orphans --rmi local',
        ),
      { timeoutMs: 30_000, what: 'the compose project to be taken down' },
    );
  }, 90_000);
});
