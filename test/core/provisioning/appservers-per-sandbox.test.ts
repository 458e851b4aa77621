import { describe, expect, it } from 'vitest';
import type { AppserverState } from '../../../src/core/appserver-state';
import type { Appserver } from '../../../src/core/model';
import { chooseAppserversToTerminate } from '../../../src/core/provisioning/retain-appservers';
import { quotaLimitsOf } from '../../../src/infra/quota-limits';
import { configSchema } from '../../../src/config/schema';

// Issue 16: quotas.appservers_per_sandbox terminates the surplus at once, whatever retention.min_age says.
const now = new Date('2026-01-01T12:00:00Z');
const hour = 3_600_000;
const young = 10 * 60_000;
const appserver = (number: number, state: AppserverState, ageMs = young): Appserver =>
  ({ id: number * 10, number, state, createdAt: new Date(now.getTime() - ageMs) }) as Appserver;
const numbers = (list: Appserver[]) => list.map((a) => a.number);

describe('appservers per sandbox', () => {
  const all = [appserver(1, 'running'), appserver(2, 'running'), appserver(3, 'running'), appserver(4, 'running')];

  it.each([
    [null, []],
    [4, []],
    [3, [1]],
    [2, [2, 1]],
  ] as const)('limit %s with appserver 3 active, all ten minutes old → terminates %j', (limit, doomed) => {
    expect(numbers(chooseAppserversToTerminate(all, 30, now, hour, hour, limit))).toEqual([...doomed].sort());
  });

  it('without an active appserver the newest ones keep the slots', () => {
    expect(numbers(chooseAppserversToTerminate(all, null, now, hour, hour, 2))).toEqual([1, 2]);
  });

  it('never touches unfinished deploys; they do not take a slot', () => {
    const deploying = [...all, appserver(5, 'configuring')];
    expect(numbers(chooseAppserversToTerminate(deploying, 40, now, hour, hour, 2))).toEqual([1, 2]);
  });
});

describe('quota limits from sandbox.yml', () => {
  const config = configSchema.parse({
    base_domain: 'example.test',
    quotas: { live_per_author: 2, live_per_repository: 10, appservers_per_sandbox: 3 },
    repositories: [
      {
        name: 'acme/app',
        script: { deploy: 'true', start: 'true' },
        quotas: { live_per_author: null, appservers_per_sandbox: 2 },
      },
      { name: 'acme/other', script: { deploy: 'true', start: 'true' } },
    ],
  });

  it('a repository key wins, null included; an absent key falls back to the top level', () => {
    expect(quotaLimitsOf(config, 'ACME/app')).toEqual({ perAuthor: null, perRepository: 10, appserversPerSandbox: 2 });
    expect(quotaLimitsOf(config, 'acme/other')).toEqual({ perAuthor: 2, perRepository: 10, appserversPerSandbox: 3 });
  });

  it('refuses limits that cannot work, naming the key', () => {
    const parse = (quotas: Record<string, unknown>) => configSchema.safeParse({ base_domain: 'example.test', quotas });
    expect(parse({ appservers_per_sandbox: 1 }).error?.issues[0]?.path).toEqual(['quotas', 'appservers_per_sandbox']);
    expect(parse({ live_per_author: 0 }).error?.issues[0]?.path).toEqual(['quotas', 'live_per_author']);
    expect(parse({ live_per_repo: 3 }).success).toBe(false);
  });
});
