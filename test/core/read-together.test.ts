import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planCampaign } from '../../src/core/campaigns/start-campaign';
import { runCommand, type CommandDeps } from '../../src/core/commands/runners';
import type { SandboxCommand } from '../../src/core/commands';
import { loadInstanceView } from '../../src/core/instance-view';
import type { Store } from '../../src/core/ports/store';
import { readTogether } from '../../src/core/read-together';
import type { Database } from '../../src/infra/db/database';
import { createSandboxStore } from '../../src/infra/db/sandbox-store';
import { createTestDatabase } from '../support/database';

/*
 * Reads started together must not share one transaction's connection: pg 8
 * queues the second query behind the first and warns ("client.query() when
 * the client is already executing a query"), pg 9 refuses it. Core's reads
 * that go together run through readTogether: at once on the pool, one after
 * another in a transaction. Every path here runs inside a transaction, as a
 * Slack command's runner does; the setup file test/support/pg-deprecation-check.ts
 * fails the test during which pg warns.
 */

let database: Database;
const store = () => createSandboxStore(database.db);
const links = { publicUrl: 'http://bot.test', baseDomain: 'example.test', scheme: 'http', port: null };

beforeAll(async () => {
  database = await createTestDatabase();
  const pool = store();
  for (const slug of ['alpha', 'beta', 'gamma']) {
    const instance = await pool.insertInstance({ slug, domain: `${slug}.example.test`, kind: 'manual', prRepo: 'a/b' });
    await pool.insertAppserver({ instanceId: instance.id, config: {} });
    await pool.addTags(instance.id, ['blue']);
  }
  await pool.insertCampaign({ tag: 'spring', options: campaignOptions, requestedBy: 'tester', surface: 'cli' }, []);
  await pool.insertCampaign({ tag: 'summer', options: campaignOptions, requestedBy: 'tester', surface: 'cli' }, []);
});
afterAll(async () => {
  await database?.close();
});

const campaignOptions = {
  filter: {},
  exclude: {},
  update: {},
  preUpgrade: [],
  batchSize: 1,
  batchFrequencyMs: 60_000,
  numAttempts: 1,
  activate: true,
};

function deps(tx: Store): CommandDeps {
  return {
    store: tx,
    now: () => new Date('2026-03-02T10:00:00Z'),
    links: links as unknown as CommandDeps['links'],
    catalog: { find: () => null, names: () => [], globalFields: {}, baseDomain: 'example.test', reservedSlugs: [] },
    expiry: { ttlOf: () => null, warnBeforeMs: 0, maxExtensionMs: 0 },
  };
}

const run = (tx: Store, command: Exclude<SandboxCommand, { name: 'help' }>) =>
  runCommand(deps(tx), { actor: { surface: 'slack', id: 'U1' }, command, authorize: async () => undefined });

describe('readTogether', () => {
  /** Records when each read starts and ends; each read waits a turn of the event loop. */
  const traced = (log: string[], name: string) => async () => {
    log.push(`start ${name}`);
    await new Promise((resolve) => setImmediate(resolve));
    log.push(`end ${name}`);
    return name;
  };

  it('starts the reads at once on a pool, one after another in a transaction, and keeps their order', async () => {
    const pooled: string[] = [];
    expect(await readTogether({ inTransaction: false }, [traced(pooled, 'a'), traced(pooled, 'b')])).toEqual([
      'a',
      'b',
    ]);
    expect(pooled.slice(0, 2)).toEqual(['start a', 'start b']);
    const inOne: string[] = [];
    expect(await readTogether({ inTransaction: true }, [traced(inOne, 'a'), traced(inOne, 'b')])).toEqual(['a', 'b']);
    expect(inOne).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('knows a transaction store from a pool store, including one a surface builds on its own transaction', async () => {
    expect(store().inTransaction).toBe(false);
    await store().transaction(async (tx) => expect(tx.inTransaction).toBe(true));
    await database.db.transaction(async (tx) =>
      expect(createSandboxStore(tx as unknown as Database['db']).inTransaction).toBe(true),
    );
  });
});

describe('reads inside a transaction', () => {
  it('an instance view, a campaign plan, the list and the campaigns commands queue no query on the connection', async () => {
    await store().transaction(async (tx) => {
      const alpha = (await tx.findInstanceBySlug('alpha'))!;
      const view = await loadInstanceView(tx, alpha, links as never);
      expect(view.appservers).toHaveLength(1);
      expect(view.tags).toEqual(['blue']);

      // Never deployed, so none is eligible; the point is the three reads on one connection.
      expect(await planCampaign(tx, { tag: 'autumn', filter: {}, exclude: {} })).toEqual([]);

      const listed = await run(tx, { name: 'list', filter: null });
      expect(
        listed.ok && listed.answer.name === 'list' && listed.answer.sandboxes.map((s) => s.view.instance.slug),
      ).toEqual(['alpha', 'beta', 'gamma']);
      const campaigns = await run(tx, { name: 'campaigns', campaign: null });
      expect(
        campaigns.ok && campaigns.answer.name === 'campaigns' && campaigns.answer.campaigns.map((c) => c.campaign.tag),
      ).toEqual(expect.arrayContaining(['spring', 'summer']));
    });
  });
});
