import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppserverState } from '../../../src/core/appserver-state';
import type { Instance } from '../../../src/core/model';
import type { ProvisioningDeps } from '../../../src/core/provisioning/deps';
import { chooseAppserversToTerminate, sweepRetention } from '../../../src/core/provisioning/retain-appservers';
import type { Database } from '../../../src/infra/db/database';
import { createSandboxStore } from '../../../src/infra/db/sandbox-store';
import { createTestDatabase } from '../../support/database';

/*
 * Issue 16: retention runs periodically, not only at activation, so an
 * appserver too young when its successor was activated goes later; failed
 * ones go after `retention.failed_min_age`. The clock is the test's.
 */

const minute = 60_000;
const hour = 60 * minute;
const start = new Date('2026-03-02T10:00:00Z');
let clock = start;

let database: Database;
const store = () => createSandboxStore(database.db);
const deps = () =>
  ({
    store: store(),
    now: () => clock,
    retentionMinAgeMs: hour,
    retentionFailedMinAgeMs: 24 * hour,
  }) as unknown as ProvisioningDeps;

async function terminateJobs(): Promise<number[]> {
  const result = await database.pool.query<{ payload: { appserverId: number } }>(
    `select j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'terminate_appserver' order by j.id`,
  );
  return result.rows.map((row) => row.payload.appserverId);
}

async function appserver(instance: Instance, state: AppserverState, createdAt: Date, finishedAt: Date | null = null) {
  const created = await store().insertAppserver({ instanceId: instance.id, config: {} });
  // The store moves states only through the transition table; the test puts them where it needs them.
  await database.pool.query('update appservers set state = $1 where id = $2', [state, created.id]);
  return store().updateAppserver(created.id, { createdAt, finishedAt });
}

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('the periodic retention sweep', () => {
  it('terminates a superseded appserver once it is older than min_age, and a failed one after failed_min_age', async () => {
    const instance = await store().insertInstance({
      slug: 'keep-tidy',
      domain: 'keep-tidy.example.test',
      kind: 'manual',
    });
    // Appserver 1 failed at once; 2, 3 and 4 ran; 5 is active. At activation, 2 was too young to go.
    const failed = await appserver(instance, 'failed', start, start);
    const old = await appserver(instance, 'running', new Date(start.getTime() + 30 * minute));
    const fallback = await appserver(instance, 'running', new Date(start.getTime() + 31 * minute));
    const candidate = await appserver(instance, 'running', new Date(start.getTime() + 32 * minute));
    const active = await appserver(instance, 'running', new Date(start.getTime() + 33 * minute));
    await store().updateInstance(instance.id, { activeAppserverId: active.id });

    clock = new Date(start.getTime() + 40 * minute);
    expect(await sweepRetention(deps())).toBe(0);

    clock = new Date(start.getTime() + 95 * minute);
    expect(await sweepRetention(deps())).toBe(1);
    expect(await terminateJobs()).toEqual([old.id]);
    // The next tick while the termination is queued adds nothing new.
    expect(await sweepRetention(deps())).toBe(1);
    expect(await terminateJobs()).toEqual([old.id]);

    clock = new Date(start.getTime() + 24 * hour + minute);
    await database.pool.query(`update appservers set state = 'terminated' where id = $1`, [old.id]);
    expect(await sweepRetention(deps())).toBe(1);
    expect(await terminateJobs()).toEqual([old.id, failed.id]);
    // The active one, the newest candidate and the fallback stay, however old.
    expect((await terminateJobs()).filter((id) => [fallback.id, candidate.id, active.id].includes(id))).toEqual([]);
  });
});

describe('failed_min_age', () => {
  it('counts from when the appserver failed', () => {
    const now = new Date(start.getTime() + 10 * hour);
    const failedEarly = { id: 1, number: 1, state: 'failed', createdAt: start, finishedAt: start } as never;
    const failedLate = {
      id: 2,
      number: 2,
      state: 'error',
      createdAt: start,
      finishedAt: new Date(now.getTime() - hour),
    } as never;
    expect(chooseAppserversToTerminate([failedEarly, failedLate], null, now, hour, 5 * hour).map((a) => a.id)).toEqual([
      1,
    ]);
  });
});
