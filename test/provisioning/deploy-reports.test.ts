import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Provisioning } from '../../src/app/provisioning';
import { startDeployment } from '../../src/core/provisioning/deploy-instance';
import { nextStepWithinMs, reportChange, reportChangeBeforeNext } from '../../src/core/provisioning/report-change';
import type { Database } from '../../src/infra/db/database';
import { createBareSandbox } from '../support/manual-sandbox';
import { localComputeYml, sampleRepositoryYml } from '../support/sandbox-yml';
import { useTestProvisioning } from '../support/test-provisioning';

/** The reports a deploy asks for, read from the queue (no worker runs here, so nothing is taken from it). */
describe('the reports of a deploy', () => {
  const setup = useTestProvisioning(
    (dir) => `
repositories:
${sampleRepositoryYml('acme/sample', 'file:///nonexistent')}
${localComputeYml(join(dir, 'work'), { capacity: 0 })}
`,
  );
  let database: Database;
  let provisioning: Provisioning;
  beforeAll(() => ({ database, provisioning } = setup()));

  const reports = async (instanceId: number) =>
    (
      await database.pool.query<{ run_at: Date; updated_at: Date; due: boolean }>(
        `select run_at, updated_at, run_at <= now() as due from graphile_worker.jobs
          where task_identifier = 'report_instance' and key = $1`,
        [`report:${instanceId}`],
      )
    ).rows;

  it('a deploy that fails at once (no host capacity) is reported once, when its deployment has failed', async () => {
    const { store } = provisioning;
    const instance = await createBareSandbox(store, {
      slug: 'no-room',
      baseDomain: 'localhost',
      repository: { name: 'acme/sample', url: null },
    });
    const deployment = await store.insertDeployment({
      instanceId: instance.id,
      requestedBy: 't',
      surface: 'cli',
      ref: 'main',
    });
    await startDeployment(provisioning, deployment.id);
    expect((await store.getDeployment(deployment.id))!.state).toBe('failed');
    // The start's held-back report was replaced by the failure's, which is due now and reads the deployment failed.
    const queued = await reports(instance.id);
    expect(queued).toHaveLength(1);
    expect(queued[0]!.due).toBe(true);
    // Asked for after the deployment was recorded failed (before, it was asked for a moment before, and a report
    // run in between read the deployment still running).
    const failedAt = (await store.getDeployment(deployment.id))!.finishedAt!;
    expect(queued[0]!.updated_at.getTime()).toBeGreaterThanOrEqual(failedAt.getTime());
  });

  it('a deployment whose launch does not follow still has its start reported, held back', async () => {
    const { store } = provisioning;
    const instance = await createBareSandbox(store, {
      slug: 'archived-soon',
      baseDomain: 'localhost',
      repository: { name: 'acme/sample', url: null },
    });
    const before = Date.now();
    await reportChangeBeforeNext(store, instance.id, new Date());
    const [held] = await reports(instance.id);
    expect(held!.due).toBe(false);
    expect(held!.run_at.getTime()).toBeGreaterThanOrEqual(before + nextStepWithinMs - 1_000);
    // A report asked for at once is not delayed by a held-back one that comes after it.
    await database.pool.query(`delete from graphile_worker._private_jobs where key = $1`, [`report:${instance.id}`]);
    await reportChange(store, instance.id, new Date());
    await reportChangeBeforeNext(store, instance.id, new Date());
    const [kept] = await reports(instance.id);
    expect(kept!.due).toBe(true);
  });
});
