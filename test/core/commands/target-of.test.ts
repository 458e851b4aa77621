import { describe, expect, it } from 'vitest';
import { targetOf } from '../../../src/core/commands/runners/shared';
import type { CommandDeps, CommandRequest } from '../../../src/core/commands/runners/types';
import type { PullRequestRecord } from '../../../src/core/ports/pull-requests';

// targetOf never reaches deps when the surface says the PR has no sandbox: any call would be a bug.
const deps = new Proxy(
  {},
  {
    get: (_target, key) => {
      throw new Error(`unexpected use of deps.${String(key)}`);
    },
  },
) as CommandDeps;

const request = (record: Partial<PullRequestRecord> | null) =>
  ({
    actor: { surface: 'github', id: 'octocat' },
    command: { name: 'redeploy', instance: null, activate: true },
    instance: null,
    pullRequest: record
      ? { record: { state: 'open', waiting: null, ...record } as PullRequestRecord, commentedAt: null }
      : undefined,
  }) as unknown as CommandRequest<'redeploy'>;

describe('a command about a pull request without a sandbox', () => {
  it.each([
    [{ state: 'closed' as const }, 'not_found', 'this pull request has no sandbox (it is closed)'],
    [
      { waiting: 'slug' as const },
      'conflict',
      'this pull request has no sandbox: its name is taken by another sandbox',
    ],
    [{ waiting: 'approval' as const }, 'not_found', 'this pull request has no sandbox yet'],
    [null, 'not_found', 'that sandbox no longer exists'],
  ])('%o → %s', async (record, code, message) => {
    await expect(targetOf(deps, request(record))).rejects.toMatchObject({ code, message });
  });
});
