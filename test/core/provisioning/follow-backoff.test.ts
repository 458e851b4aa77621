import { describe, expect, it } from 'vitest';
import { firstPollMs, nextWait, pauseFor } from '../../../src/core/provisioning/follow-appserver';

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

describe('pauseFor: never later than a tenth of the phase so far', () => {
  it.each([
    // wait, phase age, pause
    [38, 0, firstPollMs],
    [38, 30, firstPollMs],
    [38, 80, 8],
    [38, 200, 20],
    [38, 1_000, 38],
    [100, 5_000, 100],
    [firstPollMs, 1_000, firstPollMs],
  ])('a backed-off wait of %i ms, %i ms into the phase → %i ms', (wait, age, expected) => {
    expect(pauseFor(wait, age)).toBe(expected);
  });

  it('sees a service that answers after 80 ms within 10 ms, where the backoff alone saw it 24 ms late', () => {
    // Polls of the health phase (each taking no time), quiet until the service answers at 80 ms.
    const seenAt = (pause: (wait: number, at: number) => number) => {
      let at = 0;
      let wait = firstPollMs;
      for (let i = 0; i < 100 && at < 80; i += 1) {
        at += pause(wait, at);
        wait = nextWait(wait, false, 100);
      }
      return at;
    };
    expect(Math.round(seenAt((wait) => wait))).toBe(104);
    expect(seenAt(pauseFor)).toBeLessThanOrEqual(90);
  });
});
