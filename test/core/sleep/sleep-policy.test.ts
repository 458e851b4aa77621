import { describe, expect, it } from 'vitest';
import type { Appserver, Instance } from '../../../src/core/model';
import { idleSince, shouldSleep } from '../../../src/core/sleep/sleep-policy';

const t0 = new Date('2026-03-02T09:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const hour = 60 * 60_000;

const instance = (patch: Partial<Instance> = {}) =>
  ({
    activeAppserverId: 1,
    lastActivityAt: t0,
    lastRequestAt: null,
    sleepingSince: null,
    archivedAt: null,
    deletedAt: null,
    production: false,
    ...patch,
  }) as Instance;
const active = (patch: Partial<Appserver> = {}) =>
  ({ id: 1, state: 'running', activatedAt: t0, readyAt: t0, ...patch }) as Appserver;

describe('idleSince', () => {
  it('is the latest of the last request, the last activity and the activation', () => {
    expect(idleSince(instance({ lastRequestAt: at(30) }), active())).toEqual(at(30));
    expect(idleSince(instance({ lastRequestAt: at(30) }), active({ activatedAt: at(45) }))).toEqual(at(45));
    expect(idleSince(instance({ lastActivityAt: at(50), lastRequestAt: at(30) }), active())).toEqual(at(50));
  });
});

describe('shouldSleep', () => {
  it.each([
    ['idle for sleep_after', instance({ lastRequestAt: at(10) }), active(), hour, at(70), false, true],
    ['a request a minute too recent', instance({ lastRequestAt: at(11) }), active(), hour, at(70), false, false],
    ['no sleep_after', instance(), active(), null, at(600), false, false],
    ['asleep already', instance({ sleepingSince: at(60) }), active(), hour, at(600), false, false],
    ['archived', instance({ archivedAt: at(1) }), active(), hour, at(600), false, false],
    ['production', instance({ production: true }), active(), hour, at(600), false, false],
    ['a deploy under way', instance(), active(), hour, at(600), true, false],
    ['its appserver not running', instance(), active({ state: 'failed' }), hour, at(600), false, false],
    ['no active appserver', instance({ activeAppserverId: null }), active(), hour, at(600), false, false],
  ])('%s', (_what, i, a, after, now, deploying, expected) => {
    expect(shouldSleep(i, a, after, now, deploying)).toBe(expected);
  });
});
