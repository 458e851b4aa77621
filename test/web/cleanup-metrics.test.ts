import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extend } from '../../src/core/commands/runners/extend';
import { sweepExpiry } from '../../src/core/expiry/sweep-expiry';
import { createCommandDeps } from '../../src/app/command-deps';
import { createExpiryPolicy } from '../../src/infra/expiry-policy';
import { startTestBot, type TestBot } from '../support/test-bot';

// Issue 16: /metrics counts expired, warned and extended sandboxes (slept and woken too), and shows the expiry state.
let t: TestBot;
const hour = 3_600_000;

beforeAll(async () => {
  t = await startTestBot(`
repositories:
  - name: acme/app
    script:
      deploy: "true"
      start: exec node server.mjs
    manual_ttl: 4h
expiry:
  warn_before: 1h
`);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

const store = () => t.bot.provisioning.store;
const metric = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

describe('cleanup metrics', () => {
  it('counts each event once, in the database, and shows expiring, warned and pinned sandboxes', async () => {
    const start = Date.now();
    const make = (slug: string, pinned = false) =>
      store().insertInstance({
        slug,
        domain: `${slug}.localhost`,
        kind: 'manual',
        prRepo: 'acme/app',
        pinned,
        lastActivityAt: new Date(start),
      });
    await make('soon');
    const later = await make('later');
    await make('kept', true);
    await store().updateInstance(later.id, { lastActivityAt: new Date(start + 2 * hour) });
    const sweep = (at: number) =>
      sweepExpiry({ store: store(), policy: createExpiryPolicy(t.config), now: () => new Date(start + at) });

    expect(await sweep(3.5 * hour)).toEqual({ expired: [], warned: ['soon'] });
    expect(await sweep(3.6 * hour)).toEqual({ expired: [], warned: [] });
    const before = await (await fetch(`${t.url}/metrics`)).text();
    expect(metric(before, 'sbx_cleanup_events_total{event="warned"}')).toBe(1);
    expect(metric(before, 'sbx_cleanup_events_total{event="expired"}')).toBe(0);
    expect(metric(before, 'sbx_cleanup_events_total{event="slept"}')).toBe(0);
    expect(metric(before, 'sbx_sandboxes_expiring{state="scheduled"}')).toBe(2);
    expect(metric(before, 'sbx_sandboxes_expiring{state="warned"}')).toBe(1);
    expect(metric(before, 'sbx_sandboxes_expiring{state="pinned"}')).toBe(1);
    // soon expires at start + 4h: a few seconds short of 4 hours from now.
    expect(metric(before, 'sbx_next_expiry_seconds')).toBeGreaterThan(4 * 3600 - 120);
    expect(metric(before, 'sbx_next_expiry_seconds')).toBeLessThanOrEqual(4 * 3600);

    const deps = createCommandDeps({ config: t.config, db: t.database.db, store: store() });
    await extend(deps, {
      actor: { surface: 'cli', id: 'ops' },
      command: { name: 'extend', instance: 'later', duration: '1h', durationMs: hour },
      // The runner is called directly: permission checks belong to runCommand, tested elsewhere.
      authorize: async () => undefined,
    });
    expect(await sweep(4.1 * hour)).toEqual({ expired: ['soon'], warned: [] });

    const after = await (await fetch(`${t.url}/metrics`)).text();
    expect(metric(after, 'sbx_cleanup_events_total{event="expired"}')).toBe(1);
    expect(metric(after, 'sbx_cleanup_events_total{event="warned"}')).toBe(1);
    expect(metric(after, 'sbx_cleanup_events_total{event="extended"}')).toBe(1);
    expect(metric(after, 'sbx_sandboxes_expiring{state="scheduled"}')).toBe(1);
    expect((await t.database.pool.query(`select event, count::int from cleanup_counters order by event`)).rows).toEqual(
      [
        { event: 'expired', count: 1 },
        { event: 'extended', count: 1 },
        { event: 'warned', count: 1 },
      ],
    );
  });
});
