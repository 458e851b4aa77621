import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../../src/core/model';
import {
  followRunningAppservers,
  followRuntimeLog,
  type RuntimeLogDeps,
} from '../../../src/core/provisioning/follow-runtime-log';
import { createRedactor } from '../../../src/core/redact';
import type { Database } from '../../../src/infra/db/database';
import { createRuntimeLogStore } from '../../../src/infra/db/runtime-log-store';
import { createSandboxStore } from '../../../src/infra/db/sandbox-store';
import { createLocalTransport } from '../../../src/infra/hosts/local-transport';
import { createLogger } from '../../../src/infra/logger';
import { createTestDatabase } from '../../support/database';

/*
 * The runtime log's follow jobs on the real test PostgreSQL, reading a real
 * deploy.log through the local transport: appservers running before an
 * upgrade get a follower from reconcile, exactly one; a sleeping sandbox's
 * appserver is not polled until it wakes.
 */
const clock = new Date('2026-04-01T12:00:00Z');
let database: Database;
let dir: string;
const store = () => createSandboxStore(database.db);
const deps = (): RuntimeLogDeps =>
  ({
    store: store(),
    hosts: { transportFor: () => createLocalTransport() },
    redactor: createRedactor([]),
    databases: null,
    now: () => clock,
    logger: createLogger({ level: 'silent', format: 'json' }),
    runtimeLogs: createRuntimeLogStore(database.db),
    runtimeLogIntervalMs: 5_000,
    runtimeLogMaxBytes: 65_536,
  }) as unknown as RuntimeLogDeps;

/** Pending follow jobs: appserver id and run time. */
async function followJobs() {
  const result = await database.pool.query<{ payload: { appserverId: number }; run_at: Date }>(
    `select j.payload, j.run_at from graphile_worker._private_jobs j
       join graphile_worker._private_tasks t on t.id = j.task_id
      where t.identifier = 'follow_runtime_log' order by j.id`,
  );
  return result.rows.map((row) => ({ appserverId: row.payload.appserverId, runAt: row.run_at.toISOString() }));
}

let hostId: number;
async function runningSandbox(slug: string, log: string) {
  const instance = await store().insertInstance({ slug, domain: `${slug}.example.test`, kind: 'manual' });
  const workDir = join(dir, slug);
  rmSync(workDir, { recursive: true, force: true });
  const created = await store().insertAppserver({ instanceId: instance.id, config: {}, hostId, workDir, port: 32500 });
  await database.pool.query("update appservers set state = 'running', log_offset = 6 where id = $1", [created.id]);
  await store().updateInstance(instance.id, { activeAppserverId: created.id });
  mkdirSync(workDir, { recursive: true });
  writeFileSync(join(workDir, 'deploy.log'), `build\n${log}`);
  return { instance: (await store().getInstance(instance.id)) as Instance, appserverId: created.id, workDir };
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'sbx-runtime-'));
  const host = await store().upsertHost({
    name: 'local',
    provider: 'local',
    address: '127.0.0.1',
    port: 0,
    capacity: 5,
    portRangeLow: 32500,
    portRangeHigh: 32509,
    workRoot: dir,
    fromConfig: true,
  });
  hostId = host.id;
});
afterAll(async () => {
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

const runtimeText = async (appserverId: number) =>
  (await createRuntimeLogStore(database.db).read(appserverId)).map((chunk) => chunk.content).join('');

describe('following runtime logs', () => {
  it('gives running appservers without a follower one, once, and leaves a sleeping sandbox alone', async () => {
    const old = await runningSandbox('upgraded', 'served a request\n');
    const asleep = await runningSandbox('napping', 'before the nap\n');
    await store().updateInstance(asleep.instance.id, { sleepingSince: clock });
    await database.pool.query('delete from graphile_worker._private_jobs');

    expect(await followRunningAppservers(deps())).toBe(1);
    const first = await followJobs();
    expect(first).toEqual([{ appserverId: old.appserverId, runAt: new Date(clock.getTime() + 5_000).toISOString() }]);
    // Every reconcile runs it again: the pending follow is kept as it is, nothing is added.
    const later = { ...deps(), now: () => new Date(clock.getTime() + 60_000) };
    expect(await followRunningAppservers(later)).toBe(1);
    expect(await followJobs()).toEqual(first);

    // The follower copies what the service printed since it became healthy.
    await database.pool.query('delete from graphile_worker._private_jobs');
    expect(await followRuntimeLog(deps(), old.appserverId)).toBe('continue');
    expect(await runtimeText(old.appserverId)).toBe('served a request\n');
    expect((await followJobs()).map((job) => job.appserverId)).toEqual([old.appserverId]);
  });

  it('stops polling a sandbox once it sleeps, and follows it again after the wake', async () => {
    const { instance, appserverId, workDir } = await runningSandbox('drowsy', 'awake line\n');
    await database.pool.query('delete from graphile_worker._private_jobs');
    expect(await followRuntimeLog(deps(), appserverId)).toBe('continue');
    expect(await followJobs()).toHaveLength(1);

    // Asleep: the pending copy runs once more (what was printed before the stop) and schedules nothing.
    writeFileSync(join(workDir, 'deploy.log'), 'build\nawake line\nstopping\n');
    await store().updateInstance(instance.id, { sleepingSince: clock });
    await database.pool.query('delete from graphile_worker._private_jobs');
    expect(await followRuntimeLog(deps(), appserverId)).toBe('done');
    expect(await runtimeText(appserverId)).toBe('awake line\nstopping\n');
    expect(await followJobs()).toEqual([]);
    expect(await followRunningAppservers(deps())).toBe(await countAwake());
    expect((await followJobs()).map((job) => job.appserverId)).not.toContain(appserverId);

    // Awake again: the next reconcile (or the wake itself) follows it again.
    await store().updateInstance(instance.id, { sleepingSince: null });
    await followRunningAppservers(deps());
    expect((await followJobs()).map((job) => job.appserverId)).toContain(appserverId);
  });
});

/** Running appservers of sandboxes that are awake (what reconcile follows). */
async function countAwake(): Promise<number> {
  const result = await database.pool.query<{ n: string }>(
    `select count(*)::text as n from appservers a join instances i on i.id = a.instance_id
      where a.state = 'running' and (i.sleeping_since is null or i.active_appserver_id <> a.id)`,
  );
  return Number(result.rows[0]!.n);
}
