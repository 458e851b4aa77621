import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxCommand } from '../../../src/core/commands';
import { runCommand, type CommandDeps } from '../../../src/core/commands/runners';
import type { ManualRepository } from '../../../src/core/commands/runners/manual-catalog';
import type { Database } from '../../../src/infra/db/database';
import { createSandboxStore } from '../../../src/infra/db/sandbox-store';
import { createTestDatabase } from '../../support/database';

/*
 * The create runner, both ways: `deploy: false` (what `sbx instances create`
 * asks) records the sandbox and nothing else — no deployment, no deploy job,
 * no quota question (it is not live until deployed) — and a deployed create
 * requests its first deployment. Every time a command stamps (last activity,
 * archiving) comes from the clock the surfaces hand in, never the wall clock:
 * the clock here is months away from the machine's.
 */

const clock = new Date('2026-03-02T10:00:00Z');
const repository: ManualRepository = {
  name: 'acme/app',
  url: 'https://git.test/acme/app.git',
  defaultSettings: {},
  defaultFields: {},
  extraDomainPrefixes: [],
  ephemeralDatabases: true,
};

let database: Database;
const store = () => createSandboxStore(database.db);
/** Quota limits asked for, by repository: a create without deploying must not ask. */
let quotaAsked: string[] = [];
let noneLive = false;

function deps(): CommandDeps {
  return {
    store: store(),
    now: () => clock,
    links: { publicUrl: 'http://bot.test', baseDomain: 'example.test', scheme: 'http', port: null } as never,
    catalog: {
      find: (reference) => (reference === repository.name ? repository : null),
      names: () => [repository.name],
      globalFields: {},
      baseDomain: 'example.test',
      reservedSlugs: [],
    },
    expiry: { ttlOf: () => null, warnBeforeMs: 0, maxExtensionMs: 0 },
    quotas: (name) => {
      quotaAsked.push(name);
      return { perAuthor: noneLive ? 0 : null, perRepository: null };
    },
  };
}

const run = (command: Exclude<SandboxCommand, { name: 'help' }>) =>
  runCommand(deps(), { actor: { surface: 'cli', id: 'operator' }, command, authorize: async () => undefined });

async function count(sql: string, values: unknown[] = []): Promise<number> {
  return Number((await database.pool.query<{ n: string }>(sql, values)).rows[0]!.n);
}
const jobsOf = (task: string) =>
  count(
    `select count(*) as n from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = $1`,
    [task],
  );

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  quotaAsked = [];
  noneLive = false;
  await database.pool.query('delete from graphile_worker._private_jobs');
});

describe('the create runner', () => {
  it('with deploy: false records the sandbox only: no deployment, no job, no quota question', async () => {
    noneLive = true;
    const result = await run({ name: 'create', slug: 'quiet', repository: 'acme/app', ref: 'main', deploy: false });
    if (!result.ok) throw result.error;
    expect(result.answer).toMatchObject({ name: 'create', repository: 'acme/app', ref: 'main', deployment: null });
    const instance = (await store().findInstanceBySlug('quiet'))!;
    expect(instance).toMatchObject({ kind: 'manual', ref: 'main', activeAppserverId: null, archivedAt: null });
    expect(await store().listDeployments(instance.id)).toEqual([]);
    expect(await jobsOf('deploy_instance')).toBe(0);
    expect(quotaAsked).toEqual([]);
    expect(instance.lastActivityAt).toEqual(clock);
    expect(
      await count(`select count(*) as n from audit_events where action = 'create' and instance_slug = 'quiet'`),
    ).toBe(1);

    // Its first deploy is the one that asks the quota (and here none is left).
    const refused = await run({ name: 'redeploy', instance: 'quiet', activate: true });
    expect(refused.ok ? null : refused.error.code).toBe('over_quota');
    expect(quotaAsked).toEqual(['acme/app']);
    expect(await jobsOf('deploy_instance')).toBe(0);
  });

  it('deploys by default, stamping the last activity with the injected clock', async () => {
    const result = await run({ name: 'create', slug: 'loud', repository: 'acme/app', ref: 'main' });
    if (!result.ok) throw result.error;
    expect(result.answer).toMatchObject({ name: 'create', deployment: { attempts: 1, activateOnSuccess: true } });
    const instance = (await store().findInstanceBySlug('loud'))!;
    expect(await store().listDeployments(instance.id)).toHaveLength(1);
    expect(await jobsOf('deploy_instance')).toBe(1);
    expect(quotaAsked).toEqual(['acme/app']);
    expect(instance.lastActivityAt).toEqual(clock);
  });

  it('a redeploy, an archive and a restore stamp the injected clock too', async () => {
    await store().updateInstance((await store().findInstanceBySlug('loud'))!.id, {
      lastActivityAt: new Date('2020-01-01T00:00:00Z'),
    });
    expect((await run({ name: 'redeploy', instance: 'loud', activate: true })).ok).toBe(true);
    expect((await store().findInstanceBySlug('loud'))!.lastActivityAt).toEqual(clock);

    expect((await run({ name: 'archive', instance: 'loud' })).ok).toBe(true);
    expect((await store().findInstanceBySlug('loud'))!.archivedAt).toEqual(clock);

    await store().updateInstance((await store().findInstanceBySlug('loud'))!.id, {
      lastActivityAt: new Date('2020-01-01T00:00:00Z'),
    });
    expect((await run({ name: 'restore', instance: 'loud' })).ok).toBe(true);
    const restored = (await store().findInstanceBySlug('loud'))!;
    expect(restored.archivedAt).toBeNull();
    expect(restored.lastActivityAt).toEqual(clock);
  });
});
