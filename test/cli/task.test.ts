import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/infra/db/database';
import { createTestDatabase } from '../support/database';
import { postBody } from '../support/body-upstream';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { freePort, runSbx, sbxWorkspace, spawnSbx, waitForStatus, type SbxProcess } from '../support/spawn-sbx';
import { localComputeYml, sampleRepositoryYml } from '../support/sandbox-yml';

/** Issue 13: `sbx task <instance> <name>` runs a recipe task on a real local deploy's host, through the runner's `task` phase. */
describe('sbx task', () => {
  let database: Database;
  let repo: SampleRepo;
  let bot: SbxProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    repo = createSampleRepo();
    const port = await freePort();
    ({ env } = sbxWorkspace(
      'sbx-task-',
      () => `
repositories:
${sampleRepositoryYml('acme/sample', repo.url, { deploy: 'git rev-parse HEAD > built-commit.txt && echo built', health_timeout: '20s' })}
    tasks:
      create_users: echo "creating users for $SBX_SLUG in $(basename "$PWD")" && git rev-parse HEAD
      broken: echo "half done" && echo "the site already exists" >&2 && exit 3
    proxy:
      max_body_size: 75k
${localComputeYml(mkdtempSync(join(tmpdir(), 'sbx-task-work-')), { port_range: '[31300, 31349]' })}
`,
      database.url,
      { PORT: String(port), SBX_ACTOR: 'ops-alice' },
    ));
    bot = spawnSbx(['start'], env);
    await waitForStatus(`http://127.0.0.1:${port}/readyz`);
  }, 60_000);

  afterAll(async () => {
    await runSbx(['archive', 'task-demo'], env).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await bot?.stop();
    await database?.close();
  });

  it('refuses before there is an active appserver', async () => {
    expect(
      (await runSbx(['instances', 'create', 'task-demo', '--repository', 'acme/sample', '--ref', 'main'], env)).code,
    ).toBe(0);
    const early = await runSbx(['task', 'task-demo', 'create_users'], env);
    expect(early.code).not.toBe(0);
    expect(early.stderr).toContain('task-demo has no active appserver to run the task "create_users" on');
  });

  it('runs a task in the active appserver’s checkout with the sandbox variables, prints its output and exits with its status; audited', async () => {
    const deployed = await runSbx(['deploy', 'task-demo', '--wait'], env);
    expect(deployed.code, deployed.stderr).toBe(0);

    const ok = await runSbx(['task', 'task-demo', 'create_users'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`creating users for task-demo in checkout\n${repo.head()}\n`);
    expect(ok.stderr).toContain('task create_users of task-demo (appserver 1) exited with status 0');

    const failed = await runSbx(['task', 'task-demo', 'broken', '--json'], env);
    expect(failed.code).toBe(3);
    expect(JSON.parse(failed.stdout)).toEqual({
      slug: 'task-demo',
      appserver: 1,
      task: 'broken',
      exit_code: 3,
      stdout: 'half done\n',
      stderr: 'the site already exists\n',
    });

    const audit = await database.pool.query<{
      actor: string;
      surface: string;
      result: string;
      detail: Record<string, unknown>;
    }>(`select actor, surface, result, detail from audit_events where action = 'task' order by id`);
    expect(audit.rows).toEqual([
      // the refusal before the deploy is audited too
      { actor: 'ops-alice', surface: 'cli', result: 'error', detail: expect.objectContaining({ code: 'conflict' }) },
      { actor: 'ops-alice', surface: 'cli', result: 'ok', detail: { task: 'create_users', appserver: 1, exitCode: 0 } },
      { actor: 'ops-alice', surface: 'cli', result: 'error', detail: { task: 'broken', appserver: 1, exitCode: 3 } },
    ]);
  }, 90_000);

  it('the appserver’s frozen proxy settings reach the load balancer (builtin here): 70k passes, 80k is refused', async () => {
    const port = Number(env.PORT);
    expect((await postBody(port, 'task-demo.localhost', 70 * 1024)).status).not.toBe(413);
    expect((await postBody(port, 'task-demo.localhost', 80 * 1024)).status).toBe(413);
  });

  it('names the recipe’s tasks when asked for an unknown one', async () => {
    const unknown = await runSbx(['task', 'task-demo', 'migrate'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('task-demo (appserver 1) has no task "migrate"; its tasks: broken, create_users');
  });
});
