import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema';
import type { Instance } from '../../../src/core/model';
import { decideIsolation, defaultLocalWorkRoot } from '../../../src/core/provisioning/sandbox-isolation';
import { planSync, type SyncPlanInput } from '../../../src/core/pull-requests/plan-sync';
import { policyFromConfig } from '../../../src/infra/github/policy-from-config';
import { openPullRequest } from '../../support/pull-request-snapshot';

describe('decideIsolation', () => {
  it.each([
    ['local, root, run_as set', { provider: 'local', runAs: 'sbx-sandbox', canSwitchUsers: true }, true],
    ['local, not root', { provider: 'local', runAs: 'sbx-sandbox', canSwitchUsers: false }, false],
    ['local, run_as null', { provider: 'local', runAs: null, canSwitchUsers: true }, false],
    ['ssh hosts, not root', { provider: 'ssh', runAs: 'sbx-sandbox', canSwitchUsers: false }, true],
  ])('%s', (_name, facts, isolated) => {
    expect(decideIsolation(facts).isolated).toBe(isolated);
  });

  it('puts the default work root outside the bot’s folder', () => {
    expect(defaultLocalWorkRoot({ isRoot: true, home: '/root' })).toBe('/var/lib/sandbox-bot/appservers');
    expect(defaultLocalWorkRoot({ isRoot: false, home: '/home/bot/' })).toBe(
      '/home/bot/.local/state/sandbox-bot/appservers',
    );
  });
});

describe('fork pull requests on a host without sandbox isolation', () => {
  const config = (allowForksUnisolated: boolean) =>
    configSchema.parse({
      repositories: [
        { name: 'acme/app', trigger: { allow_forks: true, allow_forks_unisolated: allowForksUnisolated } },
      ],
    });
  const pr = openPullRequest({ fromFork: true });
  const approved = {
    id: 1,
    slug: 'pr7-app',
    approvedBy: 'maintainer',
    approvedSha: 'b'.repeat(40),
    archivedAt: null,
    deletedAt: null,
    settings: {},
    fields: {},
    databaseMode: 'ephemeral',
  } as unknown as Instance;
  const plan = (canSwitchUsers: boolean, allowForksUnisolated: boolean, overrides: Partial<SyncPlanInput> = {}) => {
    const policy = policyFromConfig(
      config(allowForksUnisolated),
      decideIsolation({ provider: 'local', runAs: 'sbx-sandbox', canSwitchUsers }).isolated,
    );
    return planSync({
      pr,
      repository: policy.repositories[0]!,
      policy,
      instance: null,
      authorAllowed: true,
      latestDeployment: null,
      deployed: null,
      now: new Date(),
      ...overrides,
    });
  };

  it('waits, even when approved, unless the repository allows it', () => {
    expect(plan(false, false)).toMatchObject({
      kind: 'open',
      waiting: 'isolation',
      action: 'none',
      reason: 'fork pull request on a host without sandbox isolation',
    });
    expect(plan(false, false, { instance: approved })).toMatchObject({ waiting: 'isolation', action: 'none' });
    expect(plan(false, true)).toMatchObject({ waiting: null, action: 'deploy' });
  });

  it('deploys on a host that isolates sandboxes, and never holds back the maintainers’ own branches', () => {
    expect(plan(true, false)).toMatchObject({ waiting: null, action: 'deploy' });
    expect(plan(false, false, { pr: { ...pr, fromFork: false } })).toMatchObject({ waiting: null, action: 'deploy' });
  });
});
