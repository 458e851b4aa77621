import { describe, expect, it } from 'vitest';
import type { AppserverState } from '../../../src/core/appserver-state';
import type { Appserver } from '../../../src/core/model';
import { chooseAppserversToTerminate } from '../../../src/core/provisioning/retain-appservers';

const now = new Date('2026-01-01T12:00:00Z');
const hour = 3_600_000;
const appserver = (number: number, state: AppserverState, ageMs = 2 * hour): Appserver =>
  ({ id: number * 10, number, state, createdAt: new Date(now.getTime() - ageMs) }) as Appserver;
const numbers = (list: Appserver[]) => list.map((a) => a.number);

describe('retention', () => {
  it('keeps the active one, the newest running candidate and one fallback', () => {
    const all = [
      appserver(1, 'running'),
      appserver(2, 'running'),
      appserver(3, 'running'),
      appserver(4, 'running'),
      appserver(5, 'running'),
    ];
    expect(numbers(chooseAppserversToTerminate(all, 20, now, hour))).toEqual([1, 3]);
  });

  it('terminates failed, errored and cancelled ones past the minimum age, never unfinished ones', () => {
    const all = [
      appserver(1, 'failed'),
      appserver(2, 'error'),
      appserver(3, 'cancelled'),
      appserver(4, 'configuring'),
      appserver(5, 'running'),
      appserver(6, 'terminated'),
    ];
    expect(numbers(chooseAppserversToTerminate(all, 50, now, hour))).toEqual([1, 2, 3]);
  });

  it('spares everything younger than the minimum age', () => {
    const all = [
      appserver(1, 'failed', 10_000),
      appserver(2, 'running', 10_000),
      appserver(3, 'running', 10_000),
      appserver(4, 'running', 10_000),
      appserver(5, 'running'),
    ];
    expect(numbers(chooseAppserversToTerminate(all, 50, now, hour))).toEqual([]);
  });

  it('works without an active appserver', () => {
    const all = [appserver(1, 'running'), appserver(2, 'running'), appserver(3, 'running')];
    expect(numbers(chooseAppserversToTerminate(all, null, now, 0))).toEqual([1]);
  });
});
