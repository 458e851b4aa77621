import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Instance } from '../../src/core/model';
import {
  activate,
  archive,
  cancel,
  deleteInstance,
  requestDeployment,
  restore,
} from '../../src/core/operations/operations';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { createConfiguredSandbox, viaBuiltinProxy } from '../support/manual-sandbox';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';

const actor: Actor = { surface: 'cli', id: 'tester' };
let repo: SampleRepo;
let workRoot: string;
let t: TestBot;
const marker = join(mkdtempSync(join(tmpdir(), 'sbx-marker-')), 'pwned');

beforeAll(async () => {
  repo = createSampleRepo();
  workRoot = mkdtempSync(join(tmpdir(), 'sbx-work-'));
  const script = (deploy: string, start = 'exec node server.mjs', extra = '') => `
    script:
      deploy: |
        git rev-parse HEAD > built-commit.txt
${deploy
  .split('\n')
  .map((line) => `        ${line}`)
  .join('\n')}
      start: ${JSON.stringify(start)}
      health_path: /healthz
      health_timeout: 4s
${extra}`;
  t = await startTestBot(
    `
repositories:
  - name: acme/sample
    url: ${repo.url}
    settings:
      DB_PASSWORD: s3cret-db-password
${script('echo "deploying $SBX_SLUG to $SBX_DOMAIN"\necho "the password is s3cret-db-password"\necho "webhook secret: whsec-planted-123"', 'exec node server.mjs', '      extra_domain_prefixes: [studio]')}
  - name: acme/broken
    url: ${repo.url}
${script('echo about to fail\nexit 3')}
  - name: acme/unhealthy
    url: ${repo.url}
${script('true', 'exec sleep 300')}
  - name: acme/slow
    url: ${repo.url}
${script('echo started slow deploy\nsleep 60')}
  - name: acme/crashing
    url: ${repo.url}
    script:
      start: 'echo "crashing at $SBX_COMMIT in $SBX_SLUG"; exit 7'
      health_timeout: 5m
compute:
  local:
    work_root: ${workRoot}
retention:
  min_age: 0s
`,
    { WEBHOOK_SECRET: 'whsec-planted-123' },
  );
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

const store = () => t.bot.provisioning.store;
const instance = async (slug: string) => (await store().findInstanceBySlug(slug))!;
const appserver = async (slug: string, number: number) => store().findAppserver((await instance(slug)).id, number);
async function waitForState(slug: string, number: number, states: string[], timeoutMs = 30_000) {
  await waitFor(async () => states.includes((await appserver(slug, number))?.state ?? ''), {
    timeoutMs,
    what: `${slug} appserver ${number} to be ${states.join('/')}`,
  });
  return (await appserver(slug, number))!;
}
const log = async (slug: string, number: number) => {
  const found = await appserver(slug, number);
  return found ? (await store().readLog(found.id)).map((c) => c.content).join('') : '';
};

describe('deploying with the local provider and the builtin load balancer', () => {
  it('deploys the commit, routes every domain to it, and keeps secrets out of the stored log', async () => {
    const demo = await create('demo', 'acme/sample');
    expect((await viaProxy('demo.localhost')).status).toBe(503);
    await requestDeployment({ store: store() }, demo, { actor });
    const first = await waitForState('demo', 1, ['running', 'failed', 'error']);
    expect(first.failureReason).toBeNull();
    expect(first.state).toBe('running');
    expect(first.commitSha).toBe(repo.head());
    await waitFor(async () => (await instance('demo')).activeAppserverId === first.id, { what: 'activation' });
    const answer = await viaProxy('demo.localhost');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({
      commit: repo.head(),
      version: '1',
      slug: 'demo',
      domain: 'demo.localhost',
    });
    expect((await viaProxy('studio-demo.localhost')).status).toBe(200);
    expect((await viaProxy('nothing-here.localhost')).status).toBe(404);

    const text = await log('demo', 1);
    expect(text).toContain('deploying demo to demo.localhost');
    expect(text).toContain('the password is ***');
    expect(text).toContain('webhook secret: ***');
    expect(text).not.toContain('s3cret-db-password');
    expect(text).not.toContain('whsec-planted-123');
    expect(text).toContain('deploy phase exited with status 0');
    const vars = readFileSync(join(first.workDir!, 'vars.yml'), 'utf8');
    expect(vars).toContain('DB_PASSWORD: s3cret-db-password');
  });

  it('redeploys a new commit as appserver 2, switches over, and keeps appserver 1 as the fallback', async () => {
    const head = repo.commit({ VERSION: '2\n' });
    await requestDeployment({ store: store() }, await instance('demo'), { actor });
    const second = await waitForState('demo', 2, ['running']);
    await waitFor(async () => (await instance('demo')).activeAppserverId === second.id, {
      what: 'activation of appserver 2',
    });
    await waitFor(async () => JSON.parse((await viaProxy('demo.localhost')).body).version === '2', {
      what: 'the proxy to route to appserver 2',
    });
    expect(JSON.parse((await viaProxy('demo.localhost')).body)).toMatchObject({ commit: head, version: '2' });
    expect((await appserver('demo', 1))?.state).toBe('running');

    await activate({ store: store() }, await instance('demo'), { actor, number: 1 });
    await waitFor(async () => JSON.parse((await viaProxy('demo.localhost')).body).version === '1', {
      what: 'activation of appserver 1',
    });
  });

  it('a deploy that exits non-zero fails with the log tail, and the active appserver keeps serving', async () => {
    const broken = await create('broken', 'acme/broken');
    await requestDeployment({ store: store() }, broken, { actor, attempts: 2 });
    const first = await waitForState('broken', 1, ['failed']);
    expect(first.failureReason).toContain('deploy phase exited with status 3');
    expect(first.failureReason).toContain('about to fail');
    const second = await waitForState('broken', 2, ['failed']);
    expect(second.deploymentId).toBe(first.deploymentId);
    await waitFor(async () => (await store().getDeployment(first.deploymentId!))?.state === 'failed', {
      what: 'the deployment to fail after 2 attempts',
    });
    expect(await appserver('broken', 3)).toBeNull();
    expect((await viaProxy('demo.localhost')).status).toBe(200);
  });

  it('a service that never answers its health check fails after the timeout and is stopped', async () => {
    const unhealthy = await create('unhealthy', 'acme/unhealthy');
    await requestDeployment({ store: store() }, unhealthy, { actor });
    const failed = await waitForState('unhealthy', 1, ['failed'], 30_000);
    expect(failed.failureReason).toMatch(
      /health check http:\/\/127\.0\.0\.1:\d+\/healthz did not answer 2xx within 4s/,
    );
    const pid = Number(readFileSync(join(failed.workDir!, 'service.pid'), 'utf8'));
    expect(() => process.kill(-pid, 0)).toThrow();
    expect((await instance('unhealthy')).activeAppserverId).toBeNull();
  });

  it('a service that exits before its health check passes fails at once with its status and last lines, and saw SBX_COMMIT', async () => {
    const crashing = await create('crashing', 'acme/crashing');
    await requestDeployment({ store: store() }, crashing, { actor });
    // health_timeout is 5 minutes: only the exit can end this within the wait.
    const failed = await waitForState('crashing', 1, ['failed', 'running'], 20_000);
    expect(failed.state).toBe('failed');
    expect(failed.failureReason).toMatch(
      /^the service exited with status 7 before its health check http:\/\/127\.0\.0\.1:\d+\/ answered 2xx; last lines:\n/,
    );
    expect(failed.failureReason).toContain(`crashing at ${repo.head()} in crashing`);
  });

  it('settings full of shell metacharacters reach the recipe as data and never run', async () => {
    const nasty = {
      A: `$(touch ${marker})`,
      B: `\`touch ${marker}\``,
      C: `x; touch ${marker}`,
      D: `'; touch ${marker}; echo '`,
      E: `line1\ntouch ${marker}\n`,
    };
    const evil = await create('evil', 'acme/sample', nasty);
    await requestDeployment({ store: store() }, evil, { actor });
    const running = await waitForState('evil', 1, ['running', 'failed']);
    expect(running.state).toBe('running');
    expect(existsSync(marker)).toBe(false);
    const vars = readFileSync(join(running.workDir!, 'vars.yml'), 'utf8');
    expect(vars).toContain(`touch ${marker}`);
  });

  it('a newer deployment cancels an unfinished older one and kills its remote process group', async () => {
    const slow = await create('slow', 'acme/slow');
    await requestDeployment({ store: store() }, slow, { actor });
    await waitFor(async () => (await log('slow', 1)).includes('started slow deploy'), {
      timeoutMs: 20_000,
      what: 'the slow deploy to start',
    });
    const first = (await appserver('slow', 1))!;
    const pgid = Number(readFileSync(join(first.workDir!, 'deploy.pid'), 'utf8'));
    expect(() => process.kill(-pgid, 0)).not.toThrow();
    await cancel({ store: store() }, await instance('slow'), { actor });
    await waitForState('slow', 1, ['cancelled', 'terminated']);
    await waitFor(
      () => {
        try {
          process.kill(-pgid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { what: 'the deploy process group to die' },
    );
  });

  it('archive removes routes and terminates every appserver; restore brings it back; delete of production needs force', async () => {
    await archive({ store: store() }, await instance('demo'), { actor });
    await waitFor(
      async () => (await store().listAppservers((await instance('demo')).id)).every((a) => a.state === 'terminated'),
      { timeoutMs: 20_000, what: 'all appservers terminated' },
    );
    await waitFor(async () => (await viaProxy('demo.localhost')).status === 404, {
      what: 'the archived sandbox to stop answering',
    });
    expect(readdirSync(join(workRoot, 'demo')).filter((name) => name.startsWith('appserver-'))).toEqual([]);

    await restore({ store: store() }, await instance('demo'), { actor });
    const restored = await waitForState('demo', 3, ['running']);
    await waitFor(async () => (await instance('demo')).activeAppserverId === restored.id, {
      what: 'restored activation',
    });
    // the builtin proxy caches routes for a second
    await waitFor(async () => (await viaProxy('demo.localhost')).status === 200, {
      what: 'the restored sandbox to answer',
    });

    await store().updateInstance((await instance('demo')).id, { production: true });
    await expect(deleteInstance({ store: store() }, await instance('demo'), { actor })).rejects.toMatchObject({
      code: 'force_required',
      message: expect.stringMatching(/production instance/),
    });
    await deleteInstance({ store: store() }, await instance('demo'), { actor, force: true });
    await waitFor(async () => (await instance('demo')).deletedAt !== null, { timeoutMs: 20_000, what: 'deletion' });
    expect(existsSync(join(workRoot, 'demo'))).toBe(false);
  });
});

const create = (slug: string, repository: string, settings: Record<string, unknown> = {}): Promise<Instance> =>
  createConfiguredSandbox(t, slug, repository, settings, actor);
const viaProxy = (host: string, path = '/') => viaBuiltinProxy(t.url, host, { path });
