import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestDeployment } from '../../src/core/operations/operations';
import { findDrift, healDrift } from '../../src/core/provisioning/reconcile';
import { setMaintenance } from '../../src/infra/db/maintenance-flag';
import { createSampleRepo } from '../support/sample-repo';
import { runSbx } from '../support/spawn-sbx';
import { startTestBot, type TestBot } from '../support/test-bot';
import { signalRecordedGroup } from '../support/recorded-group';
import { waitFor } from '../support/wait-for';
import { createBareSandbox } from '../support/manual-sandbox';
import { localComputeYml, sampleRepositoryYml } from '../support/sandbox-yml';

/** Reconcile: drift between the database and the host is found, shown by `sbx cleanup --dry-run`, and healed by `sbx cleanup`. */
describe('reconcile and sbx cleanup', () => {
  let t: TestBot;
  let workRoot: string;

  beforeAll(async () => {
    const repo = createSampleRepo();
    workRoot = mkdtempSync(join(tmpdir(), 'sbx-reconcile-'));
    t = await startTestBot(`
repositories:
${sampleRepositoryYml('acme/sample', repo.url)}
${localComputeYml(workRoot, { port_range: '[31500, 31599]' })}
`);
    const store = t.bot.provisioning.store;
    const instance = await createBareSandbox(store, {
      slug: 'steady',
      repository: { name: 'acme/sample', url: repo.url },
      baseDomain: 'localhost',
      actor: { surface: 'cli', id: 't' },
    });
    await requestDeployment({ store }, instance, { actor: { surface: 'cli', id: 't' } });
    await waitFor(async () => (await store.findAppserver(instance.id, 1))?.state === 'running', {
      timeoutMs: 30_000,
      what: 'the deploy',
    });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('finds orphan directories and vanished processes, shows them on a dry run, and heals them', async () => {
    mkdirSync(join(workRoot, 'ghost', 'appserver-1'), { recursive: true });
    mkdirSync(join(workRoot, 'steady', 'appserver-9'), { recursive: true });
    mkdirSync(join(workRoot, 'not_ours'), { recursive: true });
    writeFileSync(join(workRoot, 'ghost', 'appserver-1', 'deploy.log'), 'old\n');
    const appserver = (await t.bot.provisioning.store.findAppserver(
      (await t.bot.provisioning.store.findInstanceBySlug('steady'))!.id,
      1,
    ))!;
    expect(signalRecordedGroup(join(appserver.workDir!, 'service.pid'), 'SIGKILL')).toBe(true);

    await waitFor(async () => (await findDrift(t.bot.provisioning)).some((d) => d.kind === 'vanished_process'), {
      what: 'the vanished process to show',
    });
    const drift = await findDrift(t.bot.provisioning);
    expect(drift).toEqual(
      expect.arrayContaining([
        { kind: 'orphan_directory', host: 'local', path: `${workRoot}/ghost`, why: 'no sandbox has this slug' },
        {
          kind: 'orphan_directory',
          host: 'local',
          path: `${workRoot}/steady/appserver-9`,
          why: 'no appserver of this number on this host',
        },
        { kind: 'vanished_process', host: 'local', slug: 'steady', appserver: 1, appserverId: appserver.id },
      ]),
    );
    expect(drift).toHaveLength(3);

    const dry = await runSbx(['cleanup', '--dry-run'], t.cliEnv);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      `would heal: orphan directory local:${workRoot}/ghost (no sandbox has this slug) → remove`,
    );
    expect(dry.stdout).toContain('would heal: appserver 1 of steady on local: service process vanished → mark failed');
    expect(existsSync(join(workRoot, 'ghost'))).toBe(true);

    const healed = await runSbx(['cleanup'], t.cliEnv);
    expect(healed.code).toBe(0);
    expect(existsSync(join(workRoot, 'ghost'))).toBe(false);
    expect(existsSync(join(workRoot, 'steady', 'appserver-9'))).toBe(false);
    expect(existsSync(join(workRoot, 'steady', 'appserver-1'))).toBe(true);
    expect(existsSync(join(workRoot, 'not_ours'))).toBe(true);
    expect((await t.bot.provisioning.store.getAppserver(appserver.id))?.state).toBe('failed');
    expect((await t.bot.provisioning.store.getAppserver(appserver.id))?.failureReason).toBe(
      'its service process vanished from the host',
    );
  });

  it('stops processes marked with an appserver id no appserver row owns, and leaves the rest alone', async () => {
    const store = t.bot.provisioning.store;
    const steady = (await store.findInstanceBySlug('steady'))!;
    const terminated = await store.insertAppserver({
      instanceId: steady.id,
      config: {},
      hostId: (await store.listHosts())[0]!.id,
    });
    await t.database.pool.query(`update appservers set state = 'terminated' where id = $1`, [terminated.id]);
    // The bot's own reconcile_hosts (queued at start, and by cron at every tenth minute) would heal
    // the processes below before this test looks at them: hold its worker in maintenance first,
    // and wait until it says so (a job it was running has finished by then).
    await setMaintenance(t.database.db, { on: true, message: 'reconcile test', by: 'test' });
    await waitFor(
      async () => JSON.stringify(await (await fetch(`${t.url}/readyz`)).json()).includes('paused: maintenance mode'),
      { what: 'the bot’s worker to pause' },
    );
    // Detached like an appserver's service: their own session, the mark in their environment.
    const marked = (id: number, workDir: string) =>
      spawn('sleep', ['300'], {
        detached: true,
        stdio: 'ignore',
        env: { PATH: process.env.PATH, SBX_APPSERVER_ID: String(id), SBX_WORK_DIR: workDir },
      });
    const unknown = marked(987_654, `${workRoot}/ghost/appserver-1`);
    const ofTerminated = marked(terminated.id, `${workRoot}/steady/appserver-${terminated.number}`);
    const elsewhere = marked(987_655, '/somewhere/else/appserver-1');
    const started = [unknown, ofTerminated, elsewhere];
    try {
      await waitFor(
        async () => (await findDrift(t.bot.provisioning)).filter((d) => d.kind === 'orphan_process').length === 2,
        { what: 'the marked processes to show' },
      );
      const orphans = (await findDrift(t.bot.provisioning)).filter((d) => d.kind === 'orphan_process');
      expect(orphans).toEqual(
        expect.arrayContaining([
          {
            kind: 'orphan_process',
            host: 'local',
            appserverId: 987_654,
            pids: [unknown.pid],
            why: 'no appserver has this id',
          },
          {
            kind: 'orphan_process',
            host: 'local',
            appserverId: terminated.id,
            pids: [ofTerminated.pid],
            why: 'its appserver was terminated',
          },
        ]),
      );
      const dry = await runSbx(['cleanup', '--dry-run'], t.cliEnv);
      expect(dry.stdout).toContain(
        `would heal: process ${unknown.pid} on local marked as appserver id 987654 (no appserver has this id) → stop`,
      );

      await healDrift(t.bot.provisioning, orphans);
      await waitFor(() => unknown.exitCode !== null || unknown.signalCode !== null, {
        what: 'the unowned process to stop',
      });
      await waitFor(() => ofTerminated.exitCode !== null || ofTerminated.signalCode !== null, {
        what: 'the terminated appserver’s process to stop',
      });
      expect(unknown.signalCode).toBe('SIGTERM');
      // Outside this bot's work root: someone else's, never touched.
      expect(elsewhere.exitCode === null && elsewhere.signalCode === null).toBe(true);
    } finally {
      for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await setMaintenance(t.database.db, { on: false, message: null, by: 'test' });
    }
  });
});
