import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../../../drizzle/schema';
import { SandboxError } from '../../../src/core/errors';
import { requestDeployment } from '../../../src/core/operations/operations';
import type { Database, Db } from '../../../src/infra/db/database';
import { createSandboxStore, withDeploymentFollower } from '../../../src/infra/db/sandbox-store';
import { createTestDatabase } from '../../support/database';
import { createBareSandbox } from '../../support/manual-sandbox';

let database: Database;
let pool: pg.Pool;
/** Every statement the pool's connections ran, in order. */
const statements: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    Object.assign(client, {
      query: (...args: unknown[]) => {
        const first = args[0] as string | { text: string };
        statements.push(typeof first === 'string' ? first : first.text);
        return query(...args);
      },
    });
  });
});

afterAll(async () => {
  await pool?.end();
  await database?.close();
});

const store = () => createSandboxStore(drizzle(pool, { schema }) as unknown as Db);
const actor = { surface: 'slack', id: 'U1' } as const;

describe('requesting a deployment', () => {
  it('locks and touches the sandbox, inserts the deployment, its job and its audit event in one statement', async () => {
    const instance = await createBareSandbox(store(), {
      slug: 'one-trip',
      repository: { name: 'acme/sample', url: 'file:///nonexistent' },
      baseDomain: 'sandbox.test',
    });
    const clock = new Date('2031-02-03T04:05:06.000Z');
    statements.length = 0;
    const deployment = await requestDeployment({ store: store(), now: () => clock }, instance, {
      actor,
      attempts: 2,
      activateOnSuccess: false,
      priority: 5,
    });
    expect(statements).toHaveLength(1);

    const stored = await database.pool.query('select * from deployments where id = $1', [deployment.id]);
    expect(deployment).toMatchObject({
      instanceId: instance.id,
      requestedBy: 'U1',
      surface: 'slack',
      ref: 'main',
      attempts: 2,
      activateOnSuccess: false,
      state: 'pending',
      finishedAt: null,
    });
    expect(deployment.createdAt).toEqual(stored.rows[0].created_at);
    const touched = await database.pool.query('select last_activity_at from instances where id = $1', [instance.id]);
    expect(touched.rows[0].last_activity_at).toEqual(clock);
    const jobs = await database.pool.query(
      `select j.id::text, j.payload, q.queue_name, j.key, j.priority
         from graphile_worker._private_jobs j
         join graphile_worker._private_tasks t on t.id = j.task_id
         left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
        where t.identifier = 'deploy_instance'`,
    );
    expect(jobs.rows).toEqual([
      {
        id: expect.any(String),
        payload: { deploymentId: deployment.id },
        queue_name: `instance:${instance.id}`,
        key: `deploy:${instance.id}`,
        priority: 5,
      },
    ]);
    const audit = await database.pool.query(
      `select actor, surface, instance_id, instance_slug, result, detail from audit_events where action = 'deploy'`,
    );
    expect(audit.rows).toEqual([
      {
        actor: 'U1',
        surface: 'slack',
        instance_id: instance.id,
        instance_slug: 'one-trip',
        result: 'ok',
        detail: {
          jobId: jobs.rows[0].id,
          deploymentId: deployment.id,
          attempts: 2,
          activateOnSuccess: false,
          commitSha: null,
        },
      },
    ]);
  });

  it('writes nothing when the sandbox row is gone', async () => {
    const instance = await createBareSandbox(store(), {
      slug: 'vanished',
      repository: { name: 'acme/sample', url: 'file:///nonexistent' },
      baseDomain: 'sandbox.test',
    });
    const count = async () =>
      (
        await database.pool.query(
          `select (select count(*) from deployments)::int as deployments,
             (select count(*) from graphile_worker.jobs)::int as jobs,
             (select count(*) from audit_events where action = 'deploy')::int as audits`,
        )
      ).rows[0];
    const before = await count();
    const error = await requestDeployment({ store: store() }, { ...instance, id: instance.id + 1000 }, { actor }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SandboxError);
    expect((error as SandboxError).code).toBe('not_found');
    expect(await count()).toEqual(before);
  });

  it('records requests that arrive together in one statement, each with its own outcome and follower', async () => {
    const db = drizzle(pool, { schema }) as unknown as Db;
    const make = (slug: string) =>
      createBareSandbox(store(), {
        slug,
        repository: { name: 'acme/sample', url: 'file:///nonexistent' },
        baseDomain: 'sandbox.test',
      });
    const [a, b] = [await make('together-a'), await make('together-b')];
    const recorded: number[] = [];
    const following = (channel: string) =>
      withDeploymentFollower(db, store(), { channel, requestedBy: 'U1', recorded: (id) => recorded.push(id) });
    statements.length = 0;
    const outcomes = await Promise.allSettled([
      requestDeployment({ store: following('CA') }, a, { actor }),
      requestDeployment({ store: following('CB') }, b, { actor }),
      // The same sandbox again: its row is updated once per statement, so it goes in the next one.
      requestDeployment({ store: following('CA2') }, a, { actor }),
      // A sandbox that is gone gets not_found; its neighbours are unaffected.
      requestDeployment({ store: following('CX') }, { ...a, id: b.id + 1000 }, { actor }),
    ]);
    expect(statements.filter((text) => text.includes('json_to_recordset'))).toHaveLength(2);
    expect(statements).toHaveLength(2);
    const [first, second, again, gone] = outcomes;
    if (first.status !== 'fulfilled' || second.status !== 'fulfilled' || again.status !== 'fulfilled')
      throw new Error(`a request failed: ${JSON.stringify(outcomes)}`);
    expect(gone).toMatchObject({ status: 'rejected', reason: { code: 'not_found' } });
    expect([first.value.instanceId, second.value.instanceId, again.value.instanceId]).toEqual([a.id, b.id, a.id]);
    expect(again.value.id).toBeGreaterThan(first.value.id);
    expect(recorded.sort()).toEqual([first.value.id, second.value.id, again.value.id].sort());

    const messages = await database.pool.query(
      `select instance_id, purpose, subject_id, channel, requested_by from slack_messages
        where subject_id = any($1) order by subject_id`,
      [[first.value.id, second.value.id, again.value.id]],
    );
    expect(messages.rows).toEqual([
      { instance_id: a.id, purpose: 'deploy', subject_id: first.value.id, channel: 'CA', requested_by: 'U1' },
      { instance_id: b.id, purpose: 'deploy', subject_id: second.value.id, channel: 'CB', requested_by: 'U1' },
      { instance_id: a.id, purpose: 'deploy', subject_id: again.value.id, channel: 'CA2', requested_by: 'U1' },
    ]);
    // Each request has its audit event with its own job; the second request for a replaced the pending job.
    const audits = await database.pool.query(
      `select instance_id, (detail->>'deploymentId')::int as deployment, detail->>'jobId' as job from audit_events
        where action = 'deploy' and (detail->>'deploymentId')::int = any($1) order by 2`,
      [[first.value.id, second.value.id, again.value.id]],
    );
    expect(audits.rows.map((row) => [row.instance_id, row.deployment])).toEqual([
      [a.id, first.value.id],
      [b.id, second.value.id],
      [a.id, again.value.id],
    ]);
    const jobs = await database.pool.query(
      `select j.id::text, j.payload from graphile_worker._private_jobs j where j.key = any($1) order by j.key`,
      [[`deploy:${a.id}`, `deploy:${b.id}`]],
    );
    expect(jobs.rows).toEqual([
      { id: audits.rows[2].job, payload: { deploymentId: again.value.id } },
      { id: audits.rows[1].job, payload: { deploymentId: second.value.id } },
    ]);
  });

  it('a request that cannot be written fails alone: its neighbours are written one by one', async () => {
    const instances = [];
    for (const slug of ['apart-a', 'apart-b'])
      instances.push(
        await createBareSandbox(store(), {
          slug,
          repository: { name: 'acme/sample', url: 'file:///nonexistent' },
          baseDomain: 'sandbox.test',
        }),
      );
    const shared = store();
    statements.length = 0;
    const outcomes = await Promise.allSettled([
      requestDeployment({ store: shared }, instances[0]!, { actor }),
      // PostgreSQL refuses a NUL character in text: the shared statement fails and writes nothing.
      requestDeployment({ store: shared }, instances[1]!, { actor: { surface: 'slack', id: 'U\u0000' } }),
    ]);
    expect(statements).toHaveLength(3);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { instanceId: instances[0]!.id } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected' });
    const written = await database.pool.query('select instance_id from deployments where instance_id = any($1)', [
      instances.map((instance) => instance.id),
    ]);
    expect(written.rows).toEqual([{ instance_id: instances[0]!.id }]);
  });

  it('looks up slugs that arrive together in one statement', async () => {
    for (const slug of ['look-a', 'look-b'])
      await createBareSandbox(store(), {
        slug,
        repository: { name: 'acme/sample', url: 'file:///nonexistent' },
        baseDomain: 'sandbox.test',
      });
    const lookups = store();
    statements.length = 0;
    const found = await Promise.all(
      ['look-a', 'look-b', 'look-none', 'look-a'].map((slug) => lookups.findInstanceBySlug(slug)),
    );
    expect(statements).toHaveLength(1);
    expect(found.map((instance) => instance?.slug ?? null)).toEqual(['look-a', 'look-b', null, 'look-a']);
  });
});
