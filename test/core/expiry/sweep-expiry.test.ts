import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCommand, type CommandDeps } from '../../../src/core/commands/runners';
import type { SandboxCommand } from '../../../src/core/commands';
import { decideExpiry, type ExpiryPolicy } from '../../../src/core/expiry/expiry-policy';
import { sweepExpiry } from '../../../src/core/expiry/sweep-expiry';
import { SandboxError } from '../../../src/core/errors';
import type { Instance } from '../../../src/core/model';
import type { Database } from '../../../src/infra/db/database';
import { createSandboxStore } from '../../../src/infra/db/sandbox-store';
import { createTestDatabase } from '../../support/database';

/*
 * Issue 16: expiry from last activity + TTL, the warning once per expiry,
 * extend bounded by a maximum, pin and unpin — with a clock the test moves.
 */

const hour = 3_600_000;
const day = 24 * hour;
const start = new Date('2026-03-02T10:00:00Z');
let clock = start;
const advance = (ms: number) => void (clock = new Date(clock.getTime() + ms));

const policy: ExpiryPolicy = {
  ttlOf: (instance) => (instance.prRepo === 'acme/forever' ? null : instance.kind === 'manual' ? 2 * day : 7 * day),
  warnBeforeMs: day,
  maxExtensionMs: 30 * day,
};

let database: Database;
const store = () => createSandboxStore(database.db);
const sweep = () => sweepExpiry({ store: store(), policy, now: () => clock });

async function jobs(task: string): Promise<unknown[]> {
  const result = await database.pool.query<{ payload: unknown }>(
    'select j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = $1 order by j.id',
    [task],
  );
  return result.rows.map((row) => row.payload);
}

async function audits(action: string): Promise<string[]> {
  const result = await database.pool.query<{ instance_slug: string }>(
    'select instance_slug from audit_events where action = $1 order by id',
    [action],
  );
  return result.rows.map((row) => row.instance_slug);
}

let serial = 0;
async function sandbox(values: Partial<Instance> = {}): Promise<Instance> {
  serial += 1;
  const slug = values.slug ?? `box${serial}`;
  return store().insertInstance({
    slug,
    domain: `${slug}.example.test`,
    kind: 'pr',
    prRepo: 'acme/app',
    prNumber: serial,
    lastActivityAt: clock,
    ...values,
  });
}

function deps(): CommandDeps {
  return {
    store: store(),
    now: () => clock,
    links: {
      publicUrl: 'http://bot.test',
      baseDomain: 'example.test',
      scheme: 'http',
      port: null,
    } as unknown as CommandDeps['links'],
    catalog: { find: () => null, names: () => [], globalFields: {}, baseDomain: 'example.test', reservedSlugs: [] },
    expiry: policy,
  };
}

async function run(command: Exclude<SandboxCommand, { name: 'help' }>, allowed = true) {
  return runCommand(deps(), {
    actor: { surface: 'cli', id: 'tester' },
    command,
    async authorize(permission) {
      if (!allowed && permission === 'pin') throw new SandboxError('not_permitted', 'maintainers only');
    },
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  clock = start;
  await database.pool.query('delete from audit_events');
  await database.pool.query('delete from graphile_worker._private_jobs');
  await database.pool.query('update instances set deleted_at = now() where deleted_at is null');
});

describe('the expiry sweep', () => {
  it('sets the expiry from the last activity and the TTL, warns once a day before, then archives', async () => {
    const box = await sandbox();
    expect(await sweep()).toEqual({ expired: [], warned: [] });
    expect((await store().getInstance(box.id))!.expiresAt).toEqual(new Date(start.getTime() + 7 * day));

    advance(6 * day + hour);
    expect(await sweep()).toEqual({ expired: [], warned: [box.slug] });
    // Once per expiry, not on every tick.
    advance(hour);
    expect(await sweep()).toEqual({ expired: [], warned: [] });
    expect(await audits('expiry_warning')).toEqual([box.slug]);
    expect((await store().getInstance(box.id))!.expiryWarnedFor).toEqual(new Date(start.getTime() + 7 * day));
    expect(await jobs('report_instance')).toContainEqual({ instanceId: box.id });

    advance(day);
    expect(await sweep()).toEqual({ expired: [box.slug], warned: [] });
    const archived = (await store().getInstance(box.id))!;
    expect(archived.archivedAt).toEqual(clock);
    expect(archived.expiredAt).toEqual(clock);
    expect(await jobs('archive_instance')).toEqual([{ instanceId: box.id }]);
    expect(await audits('expire')).toEqual([box.slug]);
    // Archived: the next tick leaves it alone.
    advance(hour);
    expect(await sweep()).toEqual({ expired: [], warned: [] });
  });

  it('activity moves the expiry and arms the warning again', async () => {
    const box = await sandbox();
    advance(6 * day + hour);
    expect((await sweep()).warned).toEqual([box.slug]);
    await store().updateInstance(box.id, { lastActivityAt: clock });
    expect((await sweep()).warned).toEqual([]);
    expect((await store().getInstance(box.id))!.expiresAt).toEqual(new Date(clock.getTime() + 7 * day));
    advance(6 * day + hour);
    expect((await sweep()).warned).toEqual([box.slug]);
  });

  it('never expires pinned sandboxes, production instances or sandboxes without a TTL; manual ones use manual_ttl', async () => {
    const pinned = await sandbox({ pinned: true });
    const production = await sandbox({ kind: 'manual', prNumber: null, production: true });
    const forever = await sandbox({ prRepo: 'acme/forever' });
    const manual = await sandbox({ kind: 'manual', prNumber: null });
    advance(100 * day);
    expect(await sweep()).toEqual({ expired: [manual.slug], warned: [] });
    expect((await store().getInstance(pinned.id))!.archivedAt).toBeNull();
    expect((await store().getInstance(production.id))!.archivedAt).toBeNull();
    expect((await store().getInstance(forever.id))!.expiresAt).toBeNull();
  });
});

describe('decideExpiry', () => {
  it.each([
    ['well before', 2 * day, 'none'],
    ['within the warning time', 12 * hour, 'warn'],
    ['at the expiry', 0, 'expire'],
    ['after it', -hour, 'expire'],
  ])('%s (%d ms left) → %s', (_what, leftMs, kind) => {
    const now = new Date(start.getTime() + 7 * day - leftMs);
    expect(
      decideExpiry(
        {
          lastActivityAt: start,
          expiresAt: null,
          expiryWarnedFor: null,
          pinned: false,
          production: false,
          archivedAt: null,
          deletedAt: null,
          kind: 'pr',
          prRepo: 'acme/app',
        } as Instance,
        policy,
        now,
      ).kind,
    ).toBe(kind);
  });
});

describe('extend, pin and unpin', () => {
  it('extend moves the expiry from the later of now and the current expiry, at most max_extension ahead', async () => {
    const box = await sandbox();
    await sweep();
    advance(day);
    const result = await run({ name: 'extend', instance: box.slug, duration: '3d', durationMs: 3 * day });
    expect(result).toMatchObject({ ok: true, answer: { expiresAt: new Date(start.getTime() + 10 * day) } });
    // The activity of extending does not shorten it: the sweep keeps the later expiry.
    await sweep();
    expect((await store().getInstance(box.id))!.expiresAt).toEqual(new Date(start.getTime() + 10 * day));
    const tooFar = await run({ name: 'extend', instance: box.slug, duration: '25d', durationMs: 25 * day });
    expect(tooFar).toMatchObject({ ok: false, error: { code: 'usage' } });
    expect(tooFar.ok ? '' : tooFar.error.message).toMatch(/at most 720h ahead .*expiry\.max_extension/);
  });

  it('extend is refused for a sandbox that never expires', async () => {
    const forever = await sandbox({ prRepo: 'acme/forever' });
    expect(await run({ name: 'extend', instance: forever.slug, duration: '1d', durationMs: day })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
  });

  it('pin exempts the sandbox until unpin, which gives it a full TTL from now', async () => {
    const box = await sandbox();
    await sweep();
    expect(await run({ name: 'pin', instance: box.slug })).toMatchObject({
      ok: true,
      answer: { alreadyPinned: false },
    });
    expect(await run({ name: 'pin', instance: box.slug })).toMatchObject({ ok: true, answer: { alreadyPinned: true } });
    expect((await store().getInstance(box.id))!).toMatchObject({ pinned: true, expiresAt: null });
    advance(60 * day);
    expect(await sweep()).toEqual({ expired: [], warned: [] });
    expect(await run({ name: 'unpin', instance: box.slug })).toMatchObject({
      ok: true,
      answer: { wasPinned: true, expiresAt: new Date(clock.getTime() + 7 * day) },
    });
    expect(await audits('pin')).toEqual([box.slug]);
    expect(await audits('unpin')).toEqual([box.slug]);
    advance(7 * day);
    expect(await sweep()).toEqual({ expired: [box.slug], warned: [] });
  });

  it('pin needs the pin permission', async () => {
    const box = await sandbox();
    const refused = await run({ name: 'pin', instance: box.slug }, false);
    expect(refused.ok).toBe(false);
    expect((await store().getInstance(box.id))!.pinned).toBe(false);
  });
});
