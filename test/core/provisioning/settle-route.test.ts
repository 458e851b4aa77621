import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../../src/core/model';
import { switchingWindowMs, type LoadBalancer, type Route } from '../../../src/core/ports/load-balancer';
import { activateAppserver } from '../../../src/core/provisioning/activate-appserver';
import type { ProvisioningDeps } from '../../../src/core/provisioning/deps';
import { healDrift } from '../../../src/core/provisioning/reconcile';
import { settleRoute } from '../../../src/core/provisioning/settle-route';
import type { Database } from '../../../src/infra/db/database';
import { createSandboxStore } from '../../../src/infra/db/sandbox-store';
import { createLogger } from '../../../src/infra/logger';
import { createTestDatabase } from '../../support/database';

// Issue 15: an activation switches with `switching: true` (503 page while the new appserver does not answer) and settles after the window.
const clock = new Date('2026-03-02T10:00:00Z');
let database: Database;
const applied: Route[] = [];
const store = () => createSandboxStore(database.db);
/** A recording load balancer; only apply is expected. */
const lb = {
  kind: 'nginx',
  apply: async (route: Route) => void applied.push(route),
  remove: async () => expect.unreachable('remove'),
  listRoutes: async () => expect.unreachable('listRoutes'),
  check: async () => expect.unreachable('check'),
} as unknown as LoadBalancer;
const deps = () =>
  ({
    store: store(),
    lb,
    dns: { kind: 'wildcard', ensure: async () => undefined, remove: async () => undefined },
    access: { ruleFor: () => ({ kind: 'public' }) },
    logger: createLogger({ level: 'silent', format: 'json' }),
    now: () => clock,
  }) as unknown as ProvisioningDeps;

async function runningAppserver(instance: Instance, hostId: number, port: number) {
  const created = await store().insertAppserver({
    instanceId: instance.id,
    config: { domains: [instance.domain] },
  });
  await database.pool.query("update appservers set state = 'running', host_id = $1, port = $2 where id = $3", [
    hostId,
    port,
    created.id,
  ]);
  return created;
}

async function settleJobs() {
  const result = await database.pool.query<{ key: string; payload: { appserverId: number }; run_at: Date }>(
    `select j.key, j.payload, j.run_at from graphile_worker._private_jobs j
       join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'settle_route'`,
  );
  return result.rows;
}

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('switching window of an activation', () => {
  it('applies the route as switching, queues one settle per instance after the window, and settles only the active appserver', async () => {
    const host = await store().upsertHost({
      name: 'local',
      provider: 'local',
      address: '127.0.0.1',
      port: 0,
      capacity: 5,
      portRangeLow: 32400,
      portRangeHigh: 32409,
      workRoot: '/tmp/unused',
      fromConfig: true,
    });
    const instance = await store().insertInstance({ slug: 'switchy', domain: 'switchy.example.test', kind: 'manual' });
    const first = await runningAppserver(instance, host.id, 32400);
    await activateAppserver(deps(), first.id);
    expect(applied).toEqual([
      {
        slug: 'switchy',
        domains: ['switchy.example.test'],
        target: { address: '127.0.0.1', port: 32400 },
        access: null,
        switching: true,
      },
    ]);
    expect(await settleJobs()).toEqual([
      {
        key: `settle:${instance.id}`,
        payload: { appserverId: first.id },
        run_at: new Date(clock.getTime() + switchingWindowMs),
      },
    ]);

    // A second activation inside the window replaces the pending settle.
    const second = await runningAppserver(instance, host.id, 32401);
    await activateAppserver(deps(), second.id);
    expect((await settleJobs()).map((job) => job.payload.appserverId)).toEqual([second.id]);

    applied.length = 0;
    await settleRoute(deps(), first.id);
    expect(applied).toEqual([]);
    await settleRoute(deps(), second.id);
    expect(applied).toEqual([
      {
        slug: 'switchy',
        domains: ['switchy.example.test'],
        target: { address: '127.0.0.1', port: 32401 },
        access: null,
      },
    ]);
  });
});

describe('reconcile of a missing route', () => {
  const jobsOf = async (task: string) =>
    (
      await database.pool.query<{ payload: { appserverId: number } }>(
        `select j.payload from graphile_worker._private_jobs j
           join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = $1`,
        [task],
      )
    ).rows.map((row) => row.payload.appserverId);
  /** The task's jobs for these appservers, with their queue, in the order queued. */
  const queued = async (task: string, appserverIds: number[]) =>
    (
      await database.pool.query<{ appserverId: number; queue: string | null }>(
        `select (j.payload->>'appserverId')::int as "appserverId", q.queue_name as queue
           from graphile_worker._private_jobs j
           join graphile_worker._private_tasks t on t.id = j.task_id
           left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
          where t.identifier = $1 and (j.payload->>'appserverId')::int = any($2::int[]) order by j.id`,
        [task, appserverIds],
      )
    ).rows;

  it("queues the route again behind the sandbox's other jobs; the waking page for a sleeping sandbox, never an activation", async () => {
    const host = await store().upsertHost({
      name: 'local-reconcile',
      provider: 'local',
      address: '127.0.0.1',
      port: 0,
      capacity: 5,
      portRangeLow: 32410,
      portRangeHigh: 32419,
      workRoot: '/tmp/unused',
      fromConfig: true,
    });
    const sleptAt = new Date('2026-03-02T09:00:00Z');
    const asleep = await store().insertInstance({ slug: 'dozing', domain: 'dozing.example.test', kind: 'manual' });
    const awake = await store().insertInstance({ slug: 'lively', domain: 'lively.example.test', kind: 'manual' });
    const asleepServer = await runningAppserver(asleep, host.id, 32410);
    const awakeServer = await runningAppserver(awake, host.id, 32411);
    await store().updateInstance(asleep.id, { activeAppserverId: asleepServer.id, sleepingSince: sleptAt });
    await store().updateInstance(awake.id, { activeAppserverId: awakeServer.id });
    applied.length = 0;

    await healDrift(deps(), [
      { kind: 'missing_route', slug: 'dozing', appserverId: asleepServer.id, instanceId: asleep.id },
      { kind: 'missing_route', slug: 'lively', appserverId: awakeServer.id, instanceId: awake.id },
    ]);

    expect(applied).toEqual([]);
    expect(await jobsOf('activate_appserver')).toEqual([]);
    expect(await queued('settle_route', [asleepServer.id, awakeServer.id])).toEqual([
      { appserverId: asleepServer.id, queue: `instance:${asleep.id}` },
      { appserverId: awakeServer.id, queue: `instance:${awake.id}` },
    ]);
    await settleRoute(deps(), asleepServer.id);
    await settleRoute(deps(), awakeServer.id);
    // The sleeping one: its route to the waking page, still asleep; the awake one to its appserver.
    expect(applied).toEqual([
      expect.objectContaining({ slug: 'dozing', target: { address: '127.0.0.1', port: 32410 }, sleeping: true }),
      expect.objectContaining({ slug: 'lively', target: { address: '127.0.0.1', port: 32411 } }),
    ]);
    expect(applied[1]).not.toHaveProperty('sleeping');
    expect((await store().getInstance(asleep.id))?.sleepingSince).toEqual(sleptAt);
  });

  it('a route found missing before another appserver was activated is not healed back to the old one', async () => {
    const host = await store().upsertHost({
      name: 'local-stale',
      provider: 'local',
      address: '127.0.0.1',
      port: 0,
      capacity: 5,
      portRangeLow: 32420,
      portRangeHigh: 32429,
      workRoot: '/tmp/unused',
      fromConfig: true,
    });
    const instance = await store().insertInstance({ slug: 'stale', domain: 'stale.example.test', kind: 'manual' });
    const older = await runningAppserver(instance, host.id, 32420);
    const newer = await runningAppserver(instance, host.id, 32421);
    await store().updateInstance(instance.id, { activeAppserverId: older.id });
    // Reconcile measures the drift while the older appserver is active ...
    const drift = [{ kind: 'missing_route', slug: 'stale', appserverId: older.id, instanceId: instance.id } as const];
    // ... the newer one is activated before the heal runs ...
    await activateAppserver(deps(), newer.id);
    await healDrift(deps(), drift);
    // ... and what the heal queued, run after the activation on the sandbox's queue, leaves the newer route alone.
    expect(await jobsOf('activate_appserver')).toEqual([]);
    const [job] = await queued('settle_route', [older.id]);
    expect(job).toEqual({ appserverId: older.id, queue: `instance:${instance.id}` });
    applied.length = 0;
    await settleRoute(deps(), older.id);
    expect(applied).toEqual([]);
    // The newer activation's own settle is still there (the heal did not replace it).
    expect(await queued('settle_route', [newer.id])).toEqual([
      { appserverId: newer.id, queue: `instance:${instance.id}` },
    ]);
  });
});
