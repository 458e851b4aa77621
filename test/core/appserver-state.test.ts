import { describe, expect, it } from 'vitest';
import {
  appserverStates,
  appserverTransitions,
  canTransition,
  transition,
  type AppserverState,
} from '../../src/core/appserver-state';
import { isSandboxError } from '../../src/core/errors';

const allowed: [AppserverState, AppserverState][] = [
  ['new', 'waiting'],
  ['new', 'error'],
  ['new', 'cancelled'],
  ['new', 'terminated'],
  ['waiting', 'configuring'],
  ['waiting', 'error'],
  ['waiting', 'failed'],
  ['waiting', 'cancelled'],
  ['waiting', 'terminated'],
  ['configuring', 'running'],
  ['configuring', 'failed'],
  ['configuring', 'error'],
  ['configuring', 'cancelled'],
  ['configuring', 'terminated'],
  ['running', 'failed'],
  ['running', 'terminated'],
  ['failed', 'terminated'],
  ['error', 'terminated'],
  ['cancelled', 'terminated'],
];
const allPairs = appserverStates.flatMap((from) =>
  appserverStates.map((to) => [from, to] as [AppserverState, AppserverState]),
);
const forbidden = allPairs.filter(([from, to]) => !allowed.some(([a, b]) => a === from && b === to));

describe('appserver state machine', () => {
  it('has exactly the documented transitions', () => {
    const table = appserverStates.flatMap((from) => appserverTransitions[from].map((to) => `${from}->${to}`)).sort();
    expect(table).toEqual(allowed.map(([from, to]) => `${from}->${to}`).sort());
  });

  it.each(allowed)('%s -> %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(transition(from, to)).toBe(to);
  });

  it.each(forbidden)('%s -> %s throws illegal_transition', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    let caught: unknown;
    try {
      transition(from, to);
    } catch (error) {
      caught = error;
    }
    expect(isSandboxError(caught, 'illegal_transition')).toBe(true);
    expect((caught as Error).message).toContain(`from ${from} to ${to}`);
  });

  it('terminated is final and every other state can be terminated', () => {
    expect(appserverTransitions.terminated).toEqual([]);
    for (const state of appserverStates.filter((s) => s !== 'terminated'))
      expect(canTransition(state, 'terminated')).toBe(true);
  });
});
