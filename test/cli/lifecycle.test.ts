import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database';
import type { Database } from '../../src/infra/db/database';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { freePort, runSbx, sbxWorkspace, spawnSbx, waitForStatus, type SbxProcess } from '../support/spawn-sbx';
import { localComputeYml, sampleRepositoryYml } from '../support/sandbox-yml';

/** The provisioning CLI as an operator uses it, against a running bot (separate processes). */
describe('sbx instances / deploy / appservers / logs / activate / cleanup / hosts', () => {
  let database: Database;
  let repo: SampleRepo;
  let bot: SbxProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    repo = createSampleRepo();
    const port = await freePort();
    ({ env } = sbxWorkspace(
      'sbx-cli-',
      () => `
repositories:
${sampleRepositoryYml('acme/sample', repo.url, { deploy: 'git rev-parse HEAD > built-commit.txt && echo built', health_timeout: '20s' })}
${localComputeYml(mkdtempSync(join(tmpdir(), 'sbx-work-')), { port_range: '[31100, 31199]' })}
retention:
  min_age: 1h
`,
      database.url,
      { PORT: String(port), SBX_ACTOR: 'operator' },
    ));
    bot = spawnSbx(['start'], env);
    await waitForStatus(`http://127.0.0.1:${port}/readyz`);
  }, 60_000);

  afterAll(async () => {
    await runSbx(['archive', 'cli-demo'], env).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await bot?.stop();
    await database?.close();
  });

  it('creates, deploys with --wait, and lists as JSON', async () => {
    const created = await runSbx(
      ['instances', 'create', 'cli-demo', '--repository', 'acme/sample', '--ref', 'main', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      slug: 'cli-demo',
      domain: 'cli-demo.localhost',
      kind: 'manual',
      state: 'new',
    });

    const deployed = await runSbx(['deploy', 'cli-demo', '--wait'], env);
    expect(deployed.stderr).toContain('cli-demo appserver 1: running');
    expect(deployed.code).toBe(0);
    // The URL it prints works when pasted: the builtin load balancer answers on the bot's port.
    const url = `http://cli-demo.localhost:${env.PORT}`;
    expect(deployed.stdout).toContain(`active at ${url}`);
    expect((await fetch(`http://127.0.0.1:${env.PORT}/`, { headers: { host: new URL(url).host } })).status).toBe(200);
    const shown = JSON.parse((await runSbx(['appservers', 'cli-demo', '--json'], env)).stdout) as {
      appservers: unknown[];
    };
    expect(shown.appservers).toEqual([
      {
        slug: 'cli-demo',
        domain: 'cli-demo.localhost',
        number: 1,
        state: 'running',
        active: true,
        host: 'local',
        port: expect.any(Number),
        commit: repo.head(),
        failure_reason: null,
      },
    ]);

    const list = JSON.parse((await runSbx(['instances', 'list', '--json'], env)).stdout) as {
      instances: { slug: string; state: string; active: number }[];
    };
    expect(list.instances).toEqual([expect.objectContaining({ slug: 'cli-demo', state: 'running', active: 1 })]);
  }, 60_000);

  it('deploys without activating, shows appservers, activates by number, prints logs', async () => {
    const second = await runSbx(['deploy', 'cli-demo', '--no-activate', '--wait', '--json'], env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ number: 2, state: 'running', active: false });

    const appservers = JSON.parse((await runSbx(['appservers', 'cli-demo', '--json'], env)).stdout) as {
      appservers: { number: number; active: boolean }[];
    };
    expect(appservers.appservers.map((a) => [a.number, a.active])).toEqual([
      [1, true],
      [2, false],
    ]);

    expect((await runSbx(['activate', 'cli-demo', '2'], env)).stdout).toContain('activating appserver 2 of cli-demo');
    const deadline = Date.now() + 15_000;
    let active = false;
    while (!active && Date.now() < deadline) {
      const rows = JSON.parse((await runSbx(['appservers', 'cli-demo', '--json'], env)).stdout) as {
        appservers: { number: number; active: boolean }[];
      };
      active = rows.appservers.find((a) => a.number === 2)?.active ?? false;
    }
    expect(active).toBe(true);

    const logs = await runSbx(['logs', 'cli-demo', '1'], env);
    expect(logs.stdout).toContain('[sbx] deploy phase');
    expect(logs.stdout).toContain('built');
  }, 60_000);

  it('answers bad references, bad flags and bad refs clearly', async () => {
    const unknown = await runSbx(['deploy', 'cli-dem'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no sandbox matches "cli-dem"; did you mean cli-demo?');
    const badFlag = await runSbx(['deploy', 'cli-demo', '--attempts', 'zero'], env);
    expect(badFlag.code).toBe(2);
    const badRef = await runSbx(
      ['instances', 'create', 'other', '--repository', 'acme/sample', '--ref', '--upload-pack=touch'],
      env,
    );
    expect(badRef.code).toBe(2);
    const badSlug = await runSbx(
      ['instances', 'create', 'Bad_Slug', '--repository', 'acme/sample', '--ref', 'main'],
      env,
    );
    expect(badSlug.code).toBe(2);
    expect(badSlug.stderr).toContain('invalid instance slug');
  }, 60_000);

  it('lists hosts with their load, drains one, and reports no drift', async () => {
    const hosts = JSON.parse((await runSbx(['hosts', 'list', '--json'], env)).stdout) as {
      hosts: { name: string; load: number; accepts_new: boolean }[];
    };
    expect(hosts.hosts).toEqual([expect.objectContaining({ name: 'local', load: 2, accepts_new: true })]);
    expect((await runSbx(['hosts', 'drain', 'local'], env)).stdout).toContain('drained');
    expect((await runSbx(['hosts', 'drain', 'local', '--undo'], env)).stdout).toContain('accepts new');
    const cleanup = JSON.parse((await runSbx(['cleanup', '--dry-run', '--json'], env)).stdout) as { drift: unknown[] };
    expect(cleanup.drift).toEqual([]);
  }, 60_000);

  it('archive, restore and delete are also under `sbx instances`', async () => {
    const archived = await runSbx(['instances', 'archive', 'cli-demo'], env);
    expect(archived.code).toBe(0);
    expect(archived.stdout).toContain('archiving cli-demo');
    const restored = await runSbx(['instances', 'restore', 'cli-demo'], env);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('restoring cli-demo');
    const help = await runSbx(['instances', 'delete', '--help'], env);
    expect(help.stdout).toContain('--force');
  }, 60_000);
});
