import { describe, expect, it } from 'vitest';
import type { PullRequestRecord, PullRequestSnapshot } from '../../../src/core/ports/pull-requests';
import { needsResync, resyncAfterMs } from '../../../src/core/pull-requests/reconcile-pull-requests';

const now = new Date('2026-01-01T12:00:00Z');
const pr = { number: 1, state: 'open', headSha: 'a'.repeat(40), draft: false } as PullRequestSnapshot;
const record = {
  instanceId: 3,
  state: 'open',
  headSha: 'a'.repeat(40),
  draft: false,
  syncedAt: new Date(now.getTime() - 60_000),
} as PullRequestRecord;

describe('needsResync (what the reconcile syncs again)', () => {
  it.each<[string, PullRequestRecord | null, boolean]>([
    ['a pull request the bot never saw', null, true],
    ['one seen without a sandbox', { ...record, instanceId: null }, true],
    ['a new head commit', { ...record, headSha: 'b'.repeat(40) }, true],
    ['a state change', { ...record, state: 'closed' }, true],
    ['a draft change', { ...record, draft: true }, true],
    ['a sync older than the resync period', { ...record, syncedAt: new Date(now.getTime() - resyncAfterMs - 1) }, true],
    ['one waiting for a quota slot (a slot may have freed up)', { ...record, waiting: 'quota' }, true],
    ['one seen as it is, recently', record, false],
  ])('%s', (_name, seen, expected) => {
    expect(needsResync(pr, seen, now)).toBe(expected);
  });
});
