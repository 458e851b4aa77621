import { describe, expect, it } from 'vitest';
import { firstPollMs, nextWait } from '../../../src/core/provisioning/follow-appserver';

describe('nextWait: the follow job polls at once and backs off', () => {
  it.each([
    [firstPollMs, false, 100, firstPollMs * 1.5],
    [40, false, 100, 60],
    [80, false, 100, 100],
    [100, false, 100, 100],
    [100, true, 100, 50],
    [8, true, 100, firstPollMs],
    [firstPollMs, true, 100, firstPollMs],
  ])('after a wait of %i ms, progress %s, longest %i → %i ms', (previous, progress, longest, expected) => {
    expect(nextWait(previous, progress, longest)).toBe(expected);
  });

  it('reaches the longest wait within a few quiet polls and stays there', () => {
    const waits: number[] = [];
    let wait = firstPollMs;
    for (let i = 0; i < 10; i += 1) waits.push(Math.round((wait = nextWait(wait, false, 100))));
    expect(waits).toEqual([8, 11, 17, 25, 38, 57, 85, 100, 100, 100]);
  });
});
