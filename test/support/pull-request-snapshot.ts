import type { PullRequestSnapshot } from '../../src/core/ports/pull-requests';

/** acme/app#7 as GitHub shows it: open, not a draft, from a branch of the repository itself; `overrides` changed. */
export function openPullRequest(overrides: Partial<PullRequestSnapshot> = {}): PullRequestSnapshot {
  return {
    repository: 'acme/app',
    number: 7,
    state: 'open',
    merged: false,
    draft: false,
    headSha: 'b'.repeat(40),
    headRef: 'feature',
    headCloneUrl: null,
    baseCloneUrl: 'https://github.example/acme/app.git',
    fromFork: false,
    author: 'dev',
    body: null,
    htmlUrl: 'https://github.example/acme/app/pull/7',
    closedAt: null,
    installationId: 1,
    ...overrides,
  };
}
