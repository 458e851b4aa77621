import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Provisioning } from '../../src/app/provisioning';
import { createAppserver } from '../../src/core/provisioning/create-appserver';
import { startDeployment } from '../../src/core/provisioning/deploy-instance';
import { provisionAppserver } from '../../src/core/provisioning/provision-appserver';
import type { Database } from '../../src/infra/db/database';
import { createSampleRepo } from '../support/sample-repo';
import { signalRecordedGroup } from '../support/recorded-group';
import { waitFor } from '../support/wait-for';
import { createBareSandbox } from '../support/manual-sandbox';
import { localComputeYml, sampleRepositoryYml } from '../support/sandbox-yml';
import { useTestProvisioning } from '../support/test-provisioning';

/** The provisioning step is safe to run again after a crash between the launch and recording it. */
describe('provision_appserver after a crash', () => {
  let database: Database;
  let provisioning: Provisioning;
  const alive = (pgid: number) => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };

  const setup = useTestProvisioning(
    () => `
repositories:
${sampleRepositoryYml('acme/sample', createSampleRepo().url, { deploy: 'echo started; sleep 30' })}
${localComputeYml(mkdtempSync(join(tmpdir(), 'sbx-work-')), { port_range: '[31700, 31799]' })}
`,
    {
      beforeClose: async (provisioning) => {
        for (const appserver of await provisioning.store.listAppserversInStates(['waiting', 'configuring'])) {
          signalRecordedGroup(join(appserver.workDir!, 'deploy.pid'), 'SIGKILL');
        }
      },
    },
  );
  beforeAll(() => ({ database, provisioning } = setup()));

  it('launches again from waiting, stopping the deploy the interrupted run had started', async () => {
    const { store } = provisioning;
    const instance = await createBareSandbox(store, {
      slug: 'retry',
      baseDomain: 'localhost',
      actor: { surface: 'cli', id: 't' },
      repository: { name: 'acme/sample', url: null },
    });
    const deployment = await store.insertDeployment({
      instanceId: instance.id,
      requestedBy: 't',
      surface: 'cli',
      ref: 'main',
    });
    const appserver = await createAppserver(provisioning, (await store.getInstance(instance.id))!, deployment);

    await provisionAppserver(provisioning, appserver.id);
    const first = (await store.getAppserver(appserver.id))!;
    expect(first.state).toBe('configuring');
    await waitFor(
      () => {
        try {
          return readFileSync(join(first.workDir!, 'deploy.pid'), 'utf8').trim().length > 0;
        } catch {
          return false;
        }
      },
      { what: 'the first deploy to start' },
    );
    const firstGroup = Number(readFileSync(join(first.workDir!, 'deploy.pid'), 'utf8'));
    expect(alive(firstGroup)).toBe(true);

    // the crash: the launch happened, recording it did not
    await database.pool.query(`update appservers set state = 'waiting', configuring_at = null where id = $1`, [
      appserver.id,
    ]);
    await provisionAppserver(provisioning, appserver.id);

    const again = (await store.getAppserver(appserver.id))!;
    expect(again.state).toBe('configuring');
    expect([again.hostId, again.port, again.workDir]).toEqual([first.hostId, first.port, first.workDir]);
    await waitFor(() => !alive(firstGroup), { what: 'the first deploy to be stopped' });
    await waitFor(
      () => {
        try {
          return Number(readFileSync(join(again.workDir!, 'deploy.pid'), 'utf8')) !== firstGroup;
        } catch {
          return false;
        }
      },
      { what: 'a second deploy to run' },
    );
  });

  it('a deploy job launches its appserver itself, and run again after a crash before the launch, launches it then', async () => {
    const { store } = provisioning;
    const queuedProvisioning = async () =>
      (
        await database.pool.query(
          `select count(*)::int as n from graphile_worker.jobs where task_identifier = 'provision_appserver'`,
        )
      ).rows[0].n;
    const before = await queuedProvisioning();
    const instance = await createBareSandbox(store, {
      slug: 'rerun',
      baseDomain: 'localhost',
      actor: { surface: 'cli', id: 't' },
      repository: { name: 'acme/sample', url: null },
    });
    const request = () =>
      store.insertDeployment({ instanceId: instance.id, requestedBy: 't', surface: 'cli', ref: 'main' });

    const normal = await request();
    await startDeployment(provisioning, normal.id);
    const launched = (await store.listAppservers(instance.id)).filter((a) => a.deploymentId === normal.id);
    expect(launched.map((a) => a.state)).toEqual(['configuring']);
    expect(await queuedProvisioning()).toBe(before);

    // What a first run committed before its process died: the deployment running, its appserver created, not launched.
    const interrupted = await request();
    await store.updateDeployment(interrupted.id, { state: 'running' });
    const created = await createAppserver(provisioning, (await store.getInstance(instance.id))!, interrupted, {
      queueProvisioning: false,
    });
    await startDeployment(provisioning, interrupted.id);
    expect((await store.getAppserver(created.id))!.state).toBe('configuring');
    // Run once more, it finds nothing left to launch and launches nothing twice.
    const workDir = (await store.getAppserver(created.id))!.workDir!;
    const recordedGroup = () => {
      try {
        return Number(readFileSync(join(workDir, 'deploy.pid'), 'utf8'));
      } catch {
        return 0;
      }
    };
    await waitFor(() => recordedGroup() > 0, { what: 'the deploy to start' });
    const group = recordedGroup();
    await startDeployment(provisioning, interrupted.id);
    expect((await store.getAppserver(created.id))!.state).toBe('configuring');
    expect(Number(readFileSync(join(workDir, 'deploy.pid'), 'utf8'))).toBe(group);
    expect(alive(group)).toBe(true);
  });

  it('a deploy job of an archived sandbox also ends the older requests its job replaced', async () => {
    const { store } = provisioning;
    const instance = await createBareSandbox(store, {
      slug: 'archived-meanwhile',
      baseDomain: 'localhost',
      actor: { surface: 'cli', id: 't' },
      repository: { name: 'acme/sample', url: null },
    });
    const request = () =>
      store.insertDeployment({ instanceId: instance.id, requestedBy: 't', surface: 'cli', ref: 'main' });
    // Two requests in a row: one job (keyed by the instance), the newest's; then the sandbox is archived.
    const older = await request();
    const newer = await request();
    await database.pool.query('update instances set archived_at = now() where id = $1', [instance.id]);
    await startDeployment(provisioning, newer.id);
    expect((await store.getDeployment(older.id))!.state).toBe('cancelled');
    expect((await store.getDeployment(newer.id))!.state).toBe('cancelled');
    expect(await store.listAppservers(instance.id)).toEqual([]);
  });
});
