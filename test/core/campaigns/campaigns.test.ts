import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot } from '../../../src/app/start-bot';
import { buildProgram } from '../../../src/cli/program';
import type { CliContext } from '../../../src/cli/context';
import { describeSandboxError } from '../../../src/cli/error-words';
import { loadConfig } from '../../../src/config/load-config';
import type { Config } from '../../../src/config/schema';
import { tickCampaign } from '../../../src/core/campaigns/tick-campaign';
import { isSandboxError } from '../../../src/core/errors';
import { loadInstanceView } from '../../../src/core/instance-view';
import { renderStatus } from '../../../src/infra/slack/render/render-status';
import { renderDetails } from '../../../src/web/pages/instance-view';
import { renderCampaign } from '../../../src/web/pages/campaigns-page';
import type { Actor } from '../../../src/core/model';
import { archive, requestDeployment } from '../../../src/core/operations/operations';
import { createLogger } from '../../../src/infra/logger';
import { createSampleRepo, type SampleRepo } from '../../support/sample-repo';
import { startTestBot, type TestBot } from '../../support/test-bot';
import { waitFor } from '../../support/wait-for';

const actor: Actor = { surface: 'cli', id: 'tester' };
const failDir = mkdtempSync(join(tmpdir(), 'sbx-fail-'));
let repo: SampleRepo;
let t: TestBot;
let cliConfig: Config | undefined;

beforeAll(async () => {
  repo = createSampleRepo();
  t = await startTestBot(`
repositories:
  - name: acme/sample
    url: ${repo.url}
    script:
      deploy: |
        if [ "$SBX_FIELD_FAIL_DEPLOY" = yes ]; then echo "planted failure"; exit 3; fi
        git rev-parse HEAD > built-commit.txt
      start: exec node server.mjs
      health_path: /healthz
      health_timeout: 10s
retention:
  min_age: 1h
`);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

/** `sbx …` in-process against the test bot's database; `stdin` answers the confirmation prompt. */
async function sbx(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const env: NodeJS.ProcessEnv = { ...t.cliEnv, SBX_ACTOR: 'ops', LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv;
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const ctx: CliContext = {
    env,
    stdin: Readable.from([stdin]),
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
    setExitCode: (value) => (code = value),
    config: () => (cliConfig ??= loadConfig({ cwd: dirname(t.cliEnv.SBX_CONFIG!), env })),
  };
  try {
    await buildProgram(ctx).parseAsync(['node', 'sbx', ...args]);
  } catch (error) {
    if (!isSandboxError(error)) throw error;
    const described = describeSandboxError(error);
    stderr += described.text;
    code = described.exitCode;
  }
  return { code, stdout, stderr };
}

const store = () => t.bot.provisioning.store;
const instance = async (slug: string) => (await store().findInstanceBySlug(slug))!;
const tagsOf = async (slug: string) => store().listTags((await instance(slug)).id);

async function createAndDeploy(slug: string, release: string, deploy = true): Promise<void> {
  const created = await sbx([
    'instances',
    'create',
    slug,
    '--repository',
    'acme/sample',
    '--ref',
    'main',
    '--field',
    `openedx_release=${release}`,
  ]);
  expect(created.code, created.stderr).toBe(0);
  if (!deploy) return;
  await requestDeployment({ store: store() }, await instance(slug), { actor });
}

async function waitForRunning(slugs: string[]): Promise<void> {
  for (const slug of slugs) {
    await waitFor(
      async () => (await store().listAppservers((await instance(slug)).id)).some((a) => a.state === 'running'),
      { timeoutMs: 30_000, what: `${slug} running` },
    );
  }
}

async function waitForCampaign(id: number, states: string[], timeoutMs = 60_000) {
  await waitFor(async () => states.includes((await store().getCampaign(id))?.state ?? ''), {
    timeoutMs,
    intervalMs: 200,
    what: `campaign ${id} to be ${states.join('/')}`,
  });
  return { campaign: (await store().getCampaign(id))!, items: await store().listCampaignItems(id) };
}

describe('tags and fields', () => {
  it('sets fields at creation and later, tags and untags, and lists by tag', async () => {
    await createAndDeploy('tf-one', 'z.1', false);
    expect((await instance('tf-one')).fields.openedx_release).toBe('z.1');
    const settingsFile = join(failDir, 'settings.yml');
    writeFileSync(settingsFile, 'THEME: dark\n');
    const set = await sbx([
      'instances',
      'set',
      'tf-one',
      '--field',
      'openedx_release=z.2',
      '--settings-file',
      settingsFile,
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect((await instance('tf-one')).fields.openedx_release).toBe('z.2');
    expect((await instance('tf-one')).settings.THEME).toBe('dark');
    writeFileSync(settingsFile, 'THEME: null\n');
    await sbx(['instances', 'set', 'tf-one', '--settings-file', settingsFile]);
    expect((await instance('tf-one')).settings).not.toHaveProperty('THEME');

    expect((await sbx(['instances', 'tag', 'tf-one', 'blue', 'green'])).stdout).toBe('tf-one: blue, green\n');
    expect((await sbx(['instances', 'untag', 'tf-one', 'green'])).stdout).toBe('tf-one: blue\n');
    const listed = JSON.parse((await sbx(['instances', 'list', '--tag', 'blue', '--json'])).stdout) as {
      instances: { slug: string; tags: string[] }[];
    };
    expect(listed.instances).toEqual([expect.objectContaining({ slug: 'tf-one', tags: ['blue'] })]);
    expect(JSON.parse((await sbx(['instances', 'list', '--tag', 'nope', '--json'])).stdout)).toEqual({ instances: [] });
    expect((await sbx(['instances', 'set', 'tf-one', '--field', 'bad name=1'])).code).toBe(2);
    await archive({ store: store() }, await instance('tf-one'), { actor });
  });
});

describe('a campaign (the predecessor’s fixture)', () => {
  it('redeploys exactly the three eligible sandboxes, two then one, and tags them', async () => {
    // Eight sandboxes: one on another release, one archived, one never provisioned, one tagged T-failure, one T-success, one T, two untagged.
    await createAndDeploy('fx-other', 'y.9');
    await createAndDeploy('fx-archived', 'z.1');
    await createAndDeploy('fx-never', 'z.1', false);
    await createAndDeploy('fx-failed', 'z.1');
    await createAndDeploy('fx-done', 'z.1');
    await createAndDeploy('fx-tagged', 'z.1');
    await createAndDeploy('fx-plain-a', 'z.1');
    await createAndDeploy('fx-plain-b', 'z.1');
    await waitForRunning(['fx-other', 'fx-archived', 'fx-failed', 'fx-done', 'fx-tagged', 'fx-plain-a', 'fx-plain-b']);
    await archive({ store: store() }, await instance('fx-archived'), { actor });
    await sbx(['instances', 'tag', 'fx-failed', 'T-failure']);
    await sbx(['instances', 'tag', 'fx-done', 'T-success']);
    await sbx(['instances', 'tag', 'fx-tagged', 'T']);

    const shown = await sbx([
      'redeploy',
      '--tag',
      'T',
      '--filter',
      'openedx_release: z.1',
      '--show-instances',
      '--json',
    ]);
    expect(JSON.parse(shown.stdout)).toEqual({ instances: ['fx-plain-a', 'fx-plain-b', 'fx-tagged'] });

    const refused = await sbx(
      ['redeploy', '--tag', 'T', '--filter', 'openedx_release=z.1', '--batch-frequency', '1s'],
      'n\n',
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('redeploy 3 sandbox(es) in batches of 2');
    expect(await store().listCampaigns()).toEqual([]);

    const started = await sbx(
      [
        'redeploy',
        '--tag',
        'T',
        '--filter',
        'openedx_release=z.1',
        '--batch-frequency',
        '1s',
        '--update',
        'configuration_version: v2',
        '--json',
      ],
      'y\n',
    );
    expect(started.code, started.stderr).toBe(0);
    const json = JSON.parse(started.stdout) as {
      id: number;
      tag: string;
      state: string;
      items: { instance: string }[];
    };
    expect(json).toMatchObject({ tag: 'T', state: 'running' });
    expect(json.items.map((i) => i.instance)).toEqual(['fx-plain-a', 'fx-plain-b', 'fx-tagged']);

    const { campaign, items } = await waitForCampaign(json.id, ['succeeded', 'failed']);
    expect(campaign.state).toBe('succeeded');
    // The dashboard's campaigns page: per-item state, for people who may read.
    const section = String(renderCampaign(campaign, items));
    expect(section).toContain('3 of 3 done');
    expect(section).toMatch(
      /<a href="\/sandboxes\/fx-tagged">fx-tagged<\/a><\/td><td><span class="badge ok">succeeded<\/span><\/td><td>2<\/td>/,
    );
    expect((await fetch(`${t.url}/campaigns`)).status).toBe(401);
    expect(items.map((i) => [i.slug, i.state, i.batch, i.attempts])).toEqual([
      ['fx-plain-a', 'succeeded', 1, 1],
      ['fx-plain-b', 'succeeded', 1, 1],
      ['fx-tagged', 'succeeded', 2, 1],
    ]);
    // At most two in progress at once: the third started only after one of the first two was done.
    const [a, b, c] = items;
    expect(c!.startedAt!.getTime()).toBeGreaterThanOrEqual(
      Math.min(a!.finishedAt!.getTime(), b!.finishedAt!.getTime()),
    );
    for (const slug of ['fx-plain-a', 'fx-plain-b']) expect(await tagsOf(slug)).toEqual(['T-success']);
    expect(await tagsOf('fx-tagged')).toEqual(['T', 'T-success']);
    expect((await instance('fx-plain-a')).fields.configuration_version).toBe('v2');
    for (const slug of ['fx-other', 'fx-archived', 'fx-never', 'fx-failed', 'fx-done']) {
      expect((await store().listAppservers((await instance(slug)).id)).length, slug).toBeLessThanOrEqual(1);
    }
    // Every campaign deploy job ran at the campaign's (lower) priority; the fixture's own deploys at 0.
    const shownText = await sbx(['campaigns', 'show', String(json.id)]);
    expect(shownText.stdout).toContain('3/3');
    expect(JSON.parse((await sbx(['campaigns', 'list', '--json'])).stdout).campaigns[0]).toMatchObject({
      id: json.id,
      state: 'succeeded',
    });

    // Tags in /sandbox status and on the status page (with its campaigns).
    const view = await loadInstanceView(store(), await instance('fx-tagged'), {
      publicUrl: t.url,
      baseDomain: 'localhost',
      scheme: 'http',
      port: 3000,
    } as never);
    expect(JSON.stringify(renderStatus(view))).toContain('Tags: `T`, `T-success`');
    const tagged = await instance('fx-tagged');
    const campaignsOf = await store().listCampaigns({ instanceId: tagged.id });
    expect(campaignsOf.map((c) => c.id)).toEqual([json.id]);
    const viewer = { login: 'ops', canRead: true, csrf: 'x', can: () => false };
    const data = {
      instance: tagged,
      status: 'running' as const,
      appservers: [],
      hosts: new Map(),
      log: null,
      settingsYaml: '',
      fields: [],
      tags: await store().listTags(tagged.id),
      campaigns: [{ id: json.id, tag: 'T', state: 'succeeded', item: 'succeeded' }],
    };
    const page = String(renderDetails(t.config, data, viewer, new Date()));
    expect(page).toContain('<code>T-success</code>');
    expect(page).toMatch(/<td>\d+<\/td><td><code>T<\/code><\/td><td>succeeded<\/td><td>succeeded<\/td>/);
  }, 180_000);

  it('marks a sandbox T-failure after --num-attempts fresh appservers', async () => {
    // --update reaches the deploy: the recipe fails when the field fail_deploy is "yes".
    const started = await sbx([
      'redeploy',
      '--tag',
      'N',
      '--filter',
      'openedx_release: y.9',
      '--update',
      'fail_deploy=yes',
      '--num-attempts',
      '2',
      '--batch-frequency',
      '1s',
      '--force',
      '--json',
    ]);
    const { id } = JSON.parse(started.stdout) as { id: number };
    const { campaign, items } = await waitForCampaign(id, ['succeeded', 'failed']);
    expect(campaign.state).toBe('failed');
    expect(items).toEqual([expect.objectContaining({ slug: 'fx-other', state: 'failed', attempts: 2 })]);
    expect(items[0]!.failureReason).toBeTruthy();
    expect(await tagsOf('fx-other')).toEqual(['N-failure']);
    await sbx(['instances', 'set', 'fx-other', '--field', 'fail_deploy=no']);
  }, 120_000);
});

describe('pause, resume, cancel, restarts', () => {
  it('pauses (nothing new starts, the one in flight settles), resumes, and cancels the rest', async () => {
    const started = await sbx([
      'redeploy',
      '--tag',
      'P',
      '--filter',
      'openedx_release=z.1',
      '--batch-size',
      '1',
      '--batch-frequency',
      '1s',
      '--force',
      '--json',
    ]);
    const { id } = JSON.parse(started.stdout) as { id: number };
    await waitFor(async () => (await store().listCampaignItems(id)).some((i) => i.state === 'ongoing'), {
      timeoutMs: 10_000,
      what: 'a first item',
    });
    expect((await sbx(['campaigns', 'pause', String(id)])).stdout).toContain('is paused');
    expect((await sbx(['campaigns', 'pause', String(id)])).code).not.toBe(0);
    // The redeploy in flight is still settled while paused; the tick that settles it would start the next one if it could.
    await waitFor(async () => (await store().listCampaignItems(id)).some((i) => i.state === 'succeeded'), {
      timeoutMs: 30_000,
      what: 'the item in flight to settle while paused',
    });
    expect((await store().getCampaign(id))!.state).toBe('paused');
    const paused = await store().listCampaignItems(id);
    expect(paused.filter((i) => i.state !== 'pending').map((i) => i.state)).toEqual(['succeeded']);
    expect(await store().listTags(paused.find((i) => i.state === 'succeeded')!.instanceId)).toContain('P-success');
    expect((await sbx(['campaigns', 'resume', String(id)])).stdout).toContain('is running');
    await waitFor(async () => (await store().listCampaignItems(id)).filter((i) => i.state !== 'pending').length >= 2, {
      timeoutMs: 30_000,
      what: 'a second item after resuming',
    });
    expect((await sbx(['campaigns', 'cancel', String(id)])).stdout).toContain('is cancelled');
    const items = await store().listCampaignItems(id);
    expect(items.filter((i) => i.state === 'pending' || i.state === 'ongoing')).toEqual([]);
    expect(items.some((i) => i.state === 'cancelled')).toBe(true);
    for (const item of items.filter((i) => i.state === 'cancelled'))
      expect(await store().listTags(item.instanceId)).not.toContain('P-ongoing');
  }, 120_000);

  it('loses nothing and starts nothing twice across a worker restart and duplicate ticks', async () => {
    const started = await sbx([
      'redeploy',
      '--tag',
      'R',
      '--filter',
      'openedx_release=z.1',
      '--batch-size',
      '2',
      '--batch-frequency',
      '1s',
      '--force',
      '--json',
    ]);
    const { id, items: planned } = JSON.parse(started.stdout) as { id: number; items: unknown[] };
    await waitFor(async () => (await store().listCampaignItems(id)).some((i) => i.state === 'ongoing'), {
      timeoutMs: 10_000,
      what: 'a first item',
    });
    // Duplicate ticks while one is in progress: each item is claimed once.
    const deps = { store: store(), now: () => new Date() };
    await Promise.all([tickCampaign(deps, id), tickCampaign(deps, id), tickCampaign(deps, id)]);
    await t.bot.worker!.stop(2_000);
    const second = await startBot({ config: t.config, logger: createLogger(t.config.log), web: false, worker: true });
    try {
      const { campaign, items } = await waitForCampaign(id, ['succeeded', 'failed']);
      expect(campaign.state).toBe('succeeded');
      expect(items).toHaveLength(planned.length);
      for (const item of items) {
        const deployments = (await store().listDeployments(item.instanceId)).filter(
          (d) => d.createdAt >= campaign.createdAt,
        );
        expect(deployments, item.slug).toHaveLength(1);
      }
    } finally {
      await second.stop(2_000);
    }
  }, 180_000);
});

describe('priority', () => {
  it('runs campaign jobs behind interactive work: a CLI deploy starts at once while a campaign runs', async () => {
    // No worker runs here (the restart test stopped it): the jobs can be read before they run.
    const started = await sbx([
      'redeploy',
      '--tag',
      'Q',
      '--filter',
      'openedx_release=z.1',
      '--batch-size',
      '20',
      '--batch-frequency',
      '1s',
      '--force',
      '--json',
    ]);
    expect(started.code, started.stderr).toBe(0);
    const { id } = JSON.parse(started.stdout) as { id: number };
    await tickCampaign({ store: store(), now: () => new Date() }, id);
    await createAndDeploy('prio-cli', 'z.9');
    const jobs = await t.database.pool.query<{ task_identifier: string; priority: number; key: string | null }>(
      `select task_identifier, priority, key from graphile_worker.jobs where task_identifier in ('tick_campaign', 'deploy_instance') order by id`,
    );
    const cliKey = `deploy:${(await instance('prio-cli')).id}`;
    const byPriority = jobs.rows.map((row) => [row.task_identifier, row.priority, row.key === cliKey] as const);
    expect(byPriority.filter(([task]) => task === 'deploy_instance').length).toBeGreaterThanOrEqual(5);
    for (const [task, priority, interactive] of byPriority)
      expect(priority, `${task}${interactive ? ' (cli)' : ''}`).toBe(interactive ? 0 : 10);

    const since = Date.now();
    const worker = await startBot({ config: t.config, logger: createLogger(t.config.log), web: false, worker: true });
    try {
      await waitFor(
        async () => (await store().listAppservers((await instance('prio-cli')).id)).some((a) => a.state !== 'new'),
        { timeoutMs: 10_000, what: 'the CLI deploy to start' },
      );
      expect(Date.now() - since).toBeLessThan(10_000);
      await waitForCampaign(id, ['succeeded', 'failed'], 90_000);
      await waitForRunning(['prio-cli']);
    } finally {
      await worker.stop(2_000);
    }
  }, 180_000);
});
