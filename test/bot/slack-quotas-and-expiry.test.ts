import { describe, expect, it } from 'vitest';
import { sweepExpiry } from '../../src/core/expiry/sweep-expiry';
import { reportChange } from '../../src/core/provisioning/report-change';
import type { Instance } from '../../src/core/model';
import { createExpiryPolicy } from '../../src/infra/expiry-policy';
import type { FakeSlackCall } from '../support/fake-slack';
import { messageText, sampleRepository, useSlackTestBot } from '../support/slack-test-bot';
import { waitFor } from '../support/wait-for';

// Issue 16: Slack `create` is refused over quota; a manual sandbox's expiry warning reaches whoever created it.

const s = useSlackTestBot(`
repositories:${sampleRepository('acme/sample', 'REPO_URL')}
    manual_ttl: 2h
    quotas:
      live_per_author: 1
slack:
  permissions:
    deploy: ['*']
    archive: ['*']
    create: ['*']
expiry:
  warn_before: 1h
retention:
  min_age: 1h
`);

const store = () => s.t.bot.provisioning.store;
const policy = () => createExpiryPolicy(s.t.config);
/**
 * A sweep on the test's clock. Its report job is scheduled on that clock too (hours ahead), so the report is asked
 * for again on the real one, as the sweep's own report would run in production.
 */
async function sweepAt(at: Date) {
  const swept = await sweepExpiry({ store: store(), policy: policy(), now: () => at });
  for (const slug of [...swept.warned, ...swept.expired])
    await reportChange(store(), (await store().findInstanceBySlug(slug))!.id);
  return swept;
}
const creationPost = (slug: string): FakeSlackCall | undefined =>
  s.fake
    .callsTo('chat.postMessage')
    .find(
      (call) => call.params.channel === 'C0TEAM' && !call.params.thread_ts && messageText(call.params).includes(slug),
    );
const warningsIn = (ts: string) =>
  s.fake.callsTo('chat.postMessage').filter((call) => call.params.thread_ts === ts && call.result?.ok);

/** Waits until no report job is queued or running, so "nothing more was posted" is a fact, not a guess. */
async function reportsSettled(): Promise<void> {
  await waitFor(
    async () =>
      (
        await s.t.database.pool.query(
          `select count(*)::int as n from graphile_worker.jobs where task_identifier = 'report_instance'`,
        )
      ).rows[0].n === 0,
    { timeoutMs: 20_000, what: 'the report jobs to finish' },
  );
}

describe('quotas and expiry warnings in Slack', { timeout: 90_000 }, () => {
  let demo: Instance;

  it('a second live sandbox of the same creator is refused, naming the quota, its holder and the way out', async () => {
    const first = await s.command('/sandbox', 'create demo1 acme/sample', { channel: 'C0TEAM', user: 'U0ALICE' });
    expect(String(first.json?.text)).toContain('Created *<');
    await waitFor(() => creationPost('demo1') !== undefined, { timeoutMs: 20_000, what: 'the creation message' });

    const second = await s.command('/sandbox', 'create demo2 acme/sample', { channel: 'C0TEAM', user: 'U0ALICE' });
    const refusal = messageText(second.json ?? {});
    expect(refusal).toContain('Over quota');
    expect(refusal).toContain('the quota of 1 live sandbox per author (slack:U0ALICE), held by demo1');
    expect(refusal).toContain('archiving one of them');
    expect(await store().findInstanceBySlug('demo2')).toBeNull();

    // Someone else's create is not held by Alice's quota.
    const other = await s.command('/sandbox', 'create demo3 acme/sample', { channel: 'C0TEAM', user: 'U0BOB' });
    expect(String(other.json?.text)).toContain('Created *<');
    demo = (await store().findInstanceBySlug('demo1'))!;
    expect(demo.createdBy).toBe('slack:U0ALICE');
  });

  it('the expiry warning goes once per expiry, in the thread of the creation message, mentioning the creator', async () => {
    const created = creationPost('demo1')!;
    const ts = String(created.result!.ts);
    const expiresAt = policy().ttlOf(demo)! + (await store().getInstance(demo.id))!.lastActivityAt.getTime();
    const inWindow = new Date(expiresAt - 30 * 60_000);
    expect((await sweepAt(inWindow)).warned).toContain('demo1');
    await waitFor(() => warningsIn(ts).length === 1, { timeoutMs: 20_000, what: 'the warning in the thread' });
    const warning = warningsIn(ts)[0]!.params;
    expect(warning.channel).toBe('C0TEAM');
    expect(String(warning.text)).toContain('<@U0ALICE> demo1 expires');
    expect(String(warning.text)).toContain('/sandbox extend demo1 3d');

    // The next ticks and reports add nothing.
    expect((await sweepAt(new Date(inWindow.getTime() + 60_000))).warned).toEqual([]);
    await s.t.bot.provisioning.store.enqueue('report_instance', { instanceId: demo.id }, { instanceId: demo.id });
    await reportsSettled();
    expect(warningsIn(ts)).toHaveLength(1);

    // A new expiry (an extend) arms the warning again: a second reply for it.
    const extend = await s.command('/sandbox', 'extend demo1 1h', { channel: 'C0TEAM', user: 'U0ALICE' });
    expect(String(extend.json?.text)).toContain('demo1');
    const extended = (await store().getInstance(demo.id))!.expiresAt!;
    expect(extended.getTime()).toBeGreaterThan(expiresAt);
    expect((await sweepAt(new Date(extended.getTime() - 10 * 60_000))).warned).toEqual(['demo1']);
    await waitFor(() => warningsIn(ts).length >= 2, { timeoutMs: 20_000, what: 'the warning of the new expiry' }).catch(
      async (error: Error) => {
        const rows = await s.t.database.pool.query(
          `select instance_id, purpose, ts, rendered from slack_messages where purpose = 'expiry_warning'`,
        );
        const jobs = await s.t.database.pool.query(
          `select task_identifier, attempts, last_error from graphile_worker.jobs`,
        );
        const posts = s.fake
          .callsTo('chat.postMessage')
          .map((c) => [c.params.thread_ts, String(c.params.text).slice(0, 50)]);
        throw new Error(
          `${error.message}\n${JSON.stringify({ instance: await store().getInstance(demo.id), rows: rows.rows, jobs: jobs.rows, posts })}`,
        );
      },
    );
    await reportsSettled();
    expect(warningsIn(ts).map((call) => String(call.params.text).slice(0, 40))).toHaveLength(2);
  });

  it('archiving the holder frees the slot: the same create now succeeds', async () => {
    const archived = await s.command('/sandbox', 'archive demo1', { channel: 'C0TEAM', user: 'U0ALICE' });
    expect(messageText(archived.json ?? {})).not.toContain('Over quota');
    const again = await s.command('/sandbox', 'create demo2 acme/sample', { channel: 'C0TEAM', user: 'U0ALICE' });
    expect(String(again.json?.text)).toContain('Created *<');
    await waitFor(async () => (await store().findInstanceBySlug('demo2'))?.activeAppserverId != null, {
      timeoutMs: 30_000,
      what: 'demo2 to go live',
    });
    // Stop what the test started: the live sandbox's appserver.
    const demo2 = (await store().findInstanceBySlug('demo2'))!;
    await s.command('/sandbox', 'archive demo2', { channel: 'C0TEAM', user: 'U0ALICE' });
    await waitFor(async () => (await store().listAppservers(demo2.id)).every((a) => a.state === 'terminated'), {
      timeoutMs: 30_000,
      what: 'demo2 to be archived',
    });
  });
});
