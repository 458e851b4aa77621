import { describe, expect, it } from 'vitest';
import { instanceStatus, type InstanceStatusInput } from '../../src/core/instance-status';
import { maskSecretSettings } from '../../src/core/settings/mask-secret-settings';

const base: InstanceStatusInput = {
  archived: false,
  deleted: false,
  activeState: null,
  latestState: null,
  deploying: false,
  sleeping: false,
  down: false,
};

describe('instanceStatus', () => {
  it.each([
    [{}, 'new'],
    [{ deleted: true, archived: true }, 'deleted'],
    [{ archived: true, activeState: 'running' }, 'archived'],
    [{ activeState: 'running', latestState: 'configuring', deploying: true }, 'deploying'],
    [{ latestState: 'waiting' }, 'deploying'],
    [{ activeState: 'running', latestState: 'failed' }, 'running'],
    [{ activeState: 'running', latestState: 'running', sleeping: true }, 'sleeping'],
    [{ activeState: 'running', latestState: 'running', down: true }, 'down'],
    [{ activeState: 'running', latestState: 'running', sleeping: true, down: true }, 'sleeping'],
    [{ activeState: 'running', latestState: 'configuring', sleeping: true, deploying: true }, 'deploying'],
    [{ archived: true, activeState: 'running', sleeping: true }, 'archived'],
    [{ latestState: 'failed' }, 'failed'],
    [{ latestState: 'error' }, 'failed'],
    [{ activeState: 'failed', latestState: 'failed' }, 'failed'],
    [{ latestState: 'cancelled' }, 'cancelled'],
    [{ latestState: 'running' }, 'idle'],
    [{ latestState: 'terminated' }, 'idle'],
  ] as const)('%j → %s', (input, expected) => {
    expect(instanceStatus({ ...base, ...input })).toBe(expected);
  });
});

describe('maskSecretSettings', () => {
  it('masks whole values under secret-looking keys, at any depth, and leaves the rest', () => {
    const settings = {
      DB_PASSWORD: 'hunter22',
      EDXAPP: { API_TOKEN: 'tok', LANG: 'fr', AWS_CREDENTIALS: { key: 'k', secret: 's' } },
      LIST: [{ SECRET_KEY: 'x' }],
      EMPTY_PASSWORD: null,
    };
    expect(maskSecretSettings(settings)).toEqual({
      DB_PASSWORD: '***',
      EDXAPP: { API_TOKEN: '***', LANG: 'fr', AWS_CREDENTIALS: '***' },
      LIST: [{ SECRET_KEY: '***' }],
      EMPTY_PASSWORD: null,
    });
    expect(settings.DB_PASSWORD).toBe('hunter22');
  });
});
