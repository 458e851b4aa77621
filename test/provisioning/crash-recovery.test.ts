import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archive, requestDeployment } from '../../src/core/operations/operations';
import type { Database } from '../../src/infra/db/database';
import { createSandboxStore } from '../../src/infra/db/sandbox-store';
import { createTestDatabase } from '../support/database';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { freePort, sbxWorkspace, spawnSbx, waitForStatus, type SbxProcess } from '../support/spawn-sbx';
import { waitFor } from '../support/wait-for';
import { createBareSandbox } from '../support/manual-sandbox';
import { localComputeYml, sampleRepositoryYml } from '../support/sandbox-yml';

// The sample app's deploy, slowed to about five seconds of log lines so the worker can be killed in the middle.
const slowDeploy = `|
        git rev-parse HEAD > built-commit.txt
        for i in $(seq 1 60); do echo "line $i of the deploy"; sleep 0.08; done`;

/** Kill the worker (SIGKILL) in the middle of a deploy, start it again: the deploy finishes, the log is complete, the state is right. */
describe('a worker killed mid-deploy', () => {
  let database: Database;
  let bot: SbxProcess | undefined;
  let env: Record<string, string>;
  let port: number;
  let repo: SampleRepo;

  beforeAll(async () => {
    database = await createTestDatabase();
    repo = createSampleRepo();
    port = await freePort();
    ({ env } = sbxWorkspace(
      'sbx-crash-',
      () => `
repositories:
${sampleRepositoryYml('acme/sample', repo.url, { deploy: slowDeploy, health_timeout: '30s' })}
${localComputeYml(mkdtempSync(join(tmpdir(), 'sbx-work-')), { port_range: '[31300, 31399]' })}
`,
      database.url,
      { PORT: String(port) },
    ));
  });

  afterAll(async () => {
    // The appserver is detached by design and outlives the bot: archive it (the bot stops it) before stopping the bot.
    const store = database && createSandboxStore(database.db);
    const crashy = await store?.findInstanceBySlug('crashy');
    if (store && crashy && bot && bot.child.exitCode === null && bot.child.signalCode === null) {
      await archive({ store }, crashy, { actor: { surface: 'cli', id: 't' } });
      await waitFor(async () => (await store.listAppservers(crashy.id)).every((a) => a.state === 'terminated'), {
        timeoutMs: 30_000,
        what: 'the appserver of crashy to be terminated',
      });
    }
    await bot?.stop();
    await database?.close();
  });

  it('resumes following from the stored offset: no byte lost or duplicated, ends running and active', async () => {
    bot = spawnSbx(['start'], env);
    await waitForStatus(`http://127.0.0.1:${port}/readyz`);
    const store = createSandboxStore(database.db);
    const instance = await createBareSandbox(store, {
      slug: 'crashy',
      repository: { name: 'acme/sample', url: repo.url },
      baseDomain: 'localhost',
      actor: { surface: 'cli', id: 't' },
    });
    await requestDeployment({ store }, instance, { actor: { surface: 'cli', id: 't' } });
    const logText = async () => {
      const appserver = await store.findAppserver(instance.id, 1);
      return appserver ? (await store.readLog(appserver.id)).map((c) => c.content).join('') : '';
    };
    await waitFor(async () => (await logText()).includes('line 10 of'), {
      timeoutMs: 30_000,
      what: 'ten log lines in the database',
    }).catch((error: Error) => {
      throw new Error(`${error.message}\nbot output:\n${bot?.output()}`);
    });

    expect(await bot.stop('SIGKILL')).toBe('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await store.findAppserver(instance.id, 1))?.state).toBe('configuring');

    bot = spawnSbx(['start'], env);
    await waitFor(async () => (await store.findAppserver(instance.id, 1))?.state === 'running', {
      timeoutMs: 60_000,
      what: 'the deploy to finish after the restart',
    });
    await waitFor(async () => (await store.getInstance(instance.id))?.activeAppserverId !== null, {
      what: 'activation',
    });

    const lines = (await logText()).split('\n').filter((line) => /^line \d+ of the deploy$/.test(line));
    expect(lines).toEqual(Array.from({ length: 60 }, (_, i) => `line ${i + 1} of the deploy`));
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { host: `crashy.localhost:${port}` } });
    expect(response.status).toBe(200);
  }, 120_000);
});
