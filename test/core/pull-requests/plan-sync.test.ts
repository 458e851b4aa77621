import { describe, expect, it } from 'vitest';
import type { Deployment, Instance } from '../../../src/core/model';
import { withoutSecretSettings } from '../../../src/core/pull-requests/fork-settings';
import { needsAuthorCheck, planSync, sameConfig, type SyncPlanInput } from '../../../src/core/pull-requests/plan-sync';
import {
  approvalCovers,
  permissionAtLeast,
  pullRequestKey,
  type PullRequestPolicy,
  type RepositoryPolicy,
} from '../../../src/core/pull-requests/policy';
import { openPullRequest } from '../../support/pull-request-snapshot';

const now = new Date('2026-01-01T12:00:00Z');
const repository: RepositoryPolicy = {
  name: 'acme/app',
  url: null,
  settings: { SITE: 'demo', DB_PASSWORD: 'hunter22' },
  fields: {},
  denySettings: [],
  ephemeralDatabases: null,
  teams: [],
  minPermission: 'write',
  allowForks: false,
  allowForksUnisolated: false,
  allowDrafts: false,
  onPush: 'redeploy',
  archiveGraceMs: 0,
  domainPrefixes: [],
  recipeFields: [],
};
const policy: PullRequestPolicy = {
  repositories: [repository],
  baseDomain: 'sandbox.test',
  slugTemplate: 'pr{number}-{repo}',
  globalFields: {},
  globalEphemeralDatabases: true,
  denySettings: [],
  sandboxesIsolated: true,
};
const pr = openPullRequest();
const deployedConfig = {
  settings: { SITE: 'demo', DB_PASSWORD: 'hunter22' },
  fields: {},
  databaseMode: 'ephemeral' as const,
};
const instance = {
  id: 1,
  slug: 'pr7-app',
  approvedBy: null,
  archivedAt: null,
  deletedAt: null,
  prHeadSha: 'a'.repeat(40),
  ...deployedConfig,
} as unknown as Instance;
const deployment = (commitSha: string) => ({ id: 3, commitSha, state: 'succeeded' }) as unknown as Deployment;

const input = (overrides: Partial<SyncPlanInput> = {}): SyncPlanInput => ({
  pr,
  repository,
  policy,
  instance,
  authorAllowed: true,
  latestDeployment: deployment('a'.repeat(40)),
  deployed: deployedConfig,
  now,
  ...overrides,
});
const open = (overrides: Partial<SyncPlanInput>) => {
  const plan = planSync(input(overrides));
  if (plan.kind !== 'open') throw new Error('expected an open plan');
  return plan;
};

describe('planSync', () => {
  it.each<[string, Partial<SyncPlanInput>, string, string]>([
    ['a new pull request', { instance: null, latestDeployment: null, deployed: null }, 'deploy', 'new pull request'],
    ['a new head commit', {}, 'deploy', `new commit ${'b'.repeat(7)}`],
    [
      'a new head commit with on_push ignore',
      { repository: { ...repository, onPush: 'ignore' } },
      'none',
      'on_push is ignore',
    ],
    ['the deployed commit and settings', { latestDeployment: deployment('b'.repeat(40)) }, 'none', 'up to date'],
    [
      'changed settings at the deployed commit',
      {
        latestDeployment: deployment('b'.repeat(40)),
        pr: { ...pr, body: '**Settings**\n```yaml\nFEATURE: true\n```\n' },
      },
      'deploy',
      'settings changed',
    ],
    [
      'an archived sandbox of an open PR',
      { instance: { ...instance, archivedAt: now } as Instance },
      'restore',
      'pull request reopened',
    ],
    [
      'a sandbox archived for inactivity, same head commit',
      {
        instance: { ...instance, archivedAt: now, expiredAt: now } as Instance,
        latestDeployment: deployment('b'.repeat(40)),
      },
      'none',
      'archived for inactivity; a push or /sandbox redeploy restores it',
    ],
    [
      'a sandbox archived for inactivity, new head commit',
      { instance: { ...instance, archivedAt: now, expiredAt: now } as Instance },
      'restore',
      `new commit ${'b'.repeat(7)} after expiry`,
    ],
    ['an approved PR without a deployment yet', { latestDeployment: null, deployed: null }, 'deploy', 'first deploy'],
  ])('%s', (_name, overrides, action, reason) => {
    expect(open(overrides)).toMatchObject({ action, reason, waiting: null });
  });

  it('settings errors never deploy and keep the line and column', () => {
    const plan = open({ pr: { ...pr, body: 'Hi\n\n**Settings**\n```yaml\nFOO: [1, 2\n```\n' } });
    expect(plan).toMatchObject({ action: 'none', reason: 'settings errors', desired: null });
    expect(plan.errors[0]).toMatchObject({
      code: 'settings_yaml',
      line: expect.any(Number),
      column: expect.any(Number),
    });
    expect(plan.errors[0]!.line).toBeGreaterThanOrEqual(5);
  });

  it.each<[string, Partial<SyncPlanInput>, 'approval' | 'draft']>([
    ['an author who may not trigger', { authorAllowed: false }, 'approval'],
    ['a fork', { pr: { ...pr, fromFork: true }, authorAllowed: null }, 'approval'],
    ['a draft', { pr: { ...pr, draft: true } }, 'draft'],
  ])('%s waits', (_name, overrides, waiting) => {
    expect(open(overrides)).toMatchObject({ waiting, action: 'none' });
  });

  it('an approval at the head commit lets a fork and a stranger deploy; a repository may allow forks and drafts', () => {
    const approved = { ...instance, approvedBy: 'maintainer', approvedSha: pr.headSha } as Instance;
    expect(open({ instance: approved, pr: { ...pr, fromFork: true }, authorAllowed: null }).waiting).toBeNull();
    expect(open({ instance: approved, authorAllowed: false }).waiting).toBeNull();
    expect(
      open({
        repository: { ...repository, allowForks: true, allowDrafts: true },
        pr: { ...pr, fromFork: true, draft: true },
      }).waiting,
    ).toBeNull();
  });

  // Approved at A (aaa…), the head is now B (bbb…): who waits for a new approval.
  const shaA = 'a'.repeat(40);
  const forkDeployed = { deployed: { ...deployedConfig, settings: { SITE: 'demo' } } };
  const approvedAt = (sha: string | null, by: string | null = 'maintainer') =>
    ({ ...instance, approvedBy: by, approvedSha: sha }) as Instance;
  it.each<[string, Partial<SyncPlanInput>, 'approval' | null, string]>([
    [
      'a fork approved at A, pushed B',
      { pr: { ...pr, fromFork: true }, instance: approvedAt(shaA), authorAllowed: null },
      'approval',
      'waiting for approval',
    ],
    [
      'a fork approved at B',
      { ...forkDeployed, pr: { ...pr, fromFork: true }, instance: approvedAt(pr.headSha), authorAllowed: null },
      null,
      `new commit ${'b'.repeat(7)}`,
    ],
    [
      'an outsider approved at A, pushed B',
      { instance: approvedAt(shaA), authorAllowed: false },
      'approval',
      'waiting for approval',
    ],
    [
      'an outsider approved at B',
      { instance: approvedAt(pr.headSha), authorAllowed: null },
      null,
      `new commit ${'b'.repeat(7)}`,
    ],
    [
      'an approval from before approvals were pinned (no commit)',
      { pr: { ...pr, fromFork: true }, instance: approvedAt(null), authorAllowed: null },
      'approval',
      'waiting for approval',
    ],
    [
      'a maintainer’s own push after an approval at A',
      { instance: approvedAt(shaA), authorAllowed: true },
      null,
      `new commit ${'b'.repeat(7)}`,
    ],
    [
      'a maintainer’s own push, never approved',
      { instance: approvedAt(null, null), authorAllowed: true },
      null,
      `new commit ${'b'.repeat(7)}`,
    ],
    [
      'a fork of a repository that allows forks, pushed B',
      {
        ...forkDeployed,
        pr: { ...pr, fromFork: true },
        repository: { ...repository, allowForks: true },
        instance: approvedAt(shaA),
        authorAllowed: true,
      },
      null,
      `new commit ${'b'.repeat(7)}`,
    ],
  ])('%s', (_name, overrides, waiting, reason) => {
    const plan = open(overrides);
    expect(plan).toMatchObject({ waiting, reason, action: waiting ? 'none' : 'deploy' });
  });

  it.each<[string | null, string | null, string, boolean]>([
    ['maintainer', shaA, shaA, true],
    ['maintainer', shaA, 'b'.repeat(40), false],
    ['maintainer', null, shaA, false],
    [null, shaA, shaA, false],
  ])('an approval by %s at %s covers %s: %s', (by, approvedSha, head, expected) => {
    expect(approvalCovers({ approvedBy: by, approvedSha }, head)).toBe(expected);
  });

  it('a fork never gets the repository’s secret settings', () => {
    const plan = open({
      instance: null,
      latestDeployment: null,
      deployed: null,
      pr: { ...pr, fromFork: true },
      repository: { ...repository, allowForks: true },
    });
    expect(plan.desired?.settings).toEqual({ SITE: 'demo' });
  });

  it('closing archives after the grace period, counted from the close', () => {
    const closedAt = new Date(now.getTime() - 60_000);
    const closed = { ...pr, state: 'closed' as const, closedAt };
    expect(planSync(input({ pr: closed }))).toEqual({ kind: 'closed', archive: 'now', archiveAt: closedAt });
    expect(planSync(input({ pr: closed, repository: { ...repository, archiveGraceMs: 3_600_000 } }))).toEqual({
      kind: 'closed',
      archive: 'later',
      archiveAt: new Date(closedAt.getTime() + 3_600_000),
    });
    expect(planSync(input({ pr: closed, instance: null }))).toEqual({
      kind: 'closed',
      archive: 'none',
      archiveAt: null,
    });
  });

  it('asks for the author’s permission only when it matters', () => {
    expect(needsAuthorCheck(pr, repository, null)).toBe(true);
    expect(
      needsAuthorCheck(pr, repository, { ...instance, approvedBy: 'x', approvedSha: pr.headSha } as Instance),
    ).toBe(false);
    expect(
      needsAuthorCheck(pr, repository, { ...instance, approvedBy: 'x', approvedSha: 'a'.repeat(40) } as Instance),
    ).toBe(true);
    expect(needsAuthorCheck({ ...pr, fromFork: true }, repository, null)).toBe(false);
    expect(needsAuthorCheck({ ...pr, state: 'closed' }, repository, null)).toBe(false);
  });
});

describe('helpers', () => {
  it('compares configs regardless of key order', () => {
    expect(
      sameConfig(
        { settings: { a: 1, b: { c: 2, d: 3 } }, fields: {}, databaseMode: 'ephemeral' },
        { settings: { b: { d: 3, c: 2 }, a: 1 }, fields: {}, databaseMode: 'ephemeral' },
      ),
    ).toBe(true);
    expect(
      sameConfig(
        { settings: { a: [1, 2] }, fields: {}, databaseMode: 'ephemeral' },
        { settings: { a: [2, 1] }, fields: {}, databaseMode: 'ephemeral' },
      ),
    ).toBe(false);
  });

  it('strips secret keys at every depth', () => {
    expect(
      withoutSecretSettings({
        DB: { PASSWORD: 'x', NAME: 'app' },
        API_TOKEN: 't',
        LIST: [{ AWS_SECRET_ACCESS_KEY: 'k', KEEP: 1 }],
      }),
    ).toEqual({ DB: { NAME: 'app' }, LIST: [{ KEEP: 1 }] });
  });

  it.each<[Parameters<typeof permissionAtLeast>[0], Parameters<typeof permissionAtLeast>[1], boolean]>([
    ['admin', 'write', true],
    ['maintain', 'write', true],
    ['write', 'write', true],
    ['triage', 'write', false],
    ['read', 'triage', false],
    [null, 'read', false],
  ])('%s is at least %s: %s', (granted, required, expected) => {
    expect(permissionAtLeast(granted, required)).toBe(expected);
  });

  it('keys a pull request case-insensitively', () => {
    expect(pullRequestKey('Acme/App', 7)).toBe('pr:acme/app#7');
  });
});
