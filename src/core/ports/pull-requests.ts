import type { githubPullRequests } from '../../../drizzle/schema';

/** What the bot remembers about one pull request (the row; see drizzle/schema.ts). */
export type PullRequestRecord = typeof githubPullRequests.$inferSelect;
export type PullRequestRecordPatch = Partial<Omit<typeof githubPullRequests.$inferInsert, 'id' | 'repository' | 'number'>>;

/** A pull request as read from GitHub, reduced to what the bot decides on. */
export interface PullRequestSnapshot {
  /** `owner/name` of the base repository, as GitHub spells it. */
  repository: string;
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  headSha: string;
  /** The head branch name (for `{branch}` slug templates and the deploy ref). */
  headRef: string;
  /** Clone URL of the repository holding the head commit (the fork, for fork PRs). */
  headCloneUrl: string | null;
  baseCloneUrl: string;
  fromFork: boolean;
  author: string;
  body: string | null;
  htmlUrl: string;
  closedAt: Date | null;
  installationId: number;
}

export type PermissionLevel = 'read' | 'triage' | 'write' | 'maintain' | 'admin';

/** Who may trigger sandboxes in a repository (besides people who approved a PR). */
export interface TriggerPolicy {
  /** `org/team-slug` entries; members may trigger. */
  teams: readonly string[];
  /** At least this repository permission may trigger. */
  minPermission: PermissionLevel;
}

/** Reading GitHub, as the pull request logic needs it (the adapter is src/infra/github). */
export interface PullRequestSource {
  /** The pull request, or null when GitHub does not know it (deleted repository, wrong number). */
  getPullRequest(repository: string, number: number, installationId: number | null): Promise<PullRequestSnapshot | null>;
  /** Every open pull request of the repository; null when the App is not installed there. */
  listOpenPullRequests(repository: string): Promise<PullRequestSnapshot[] | null>;
  /** Whether `login` is in one of the teams or has at least the permission on the repository. */
  mayTrigger(repository: string, login: string, policy: TriggerPolicy, installationId: number | null): Promise<boolean>;
}

/** Persistence of pull request records (the adapter is src/infra/db/pull-request-records.ts). */
export interface PullRequestRecords {
  find(repository: string, number: number): Promise<PullRequestRecord | null>;
  findByInstance(instanceId: number): Promise<PullRequestRecord | null>;
  findByCheckRun(checkRunId: number): Promise<PullRequestRecord | null>;
  get(id: number): Promise<PullRequestRecord | null>;
  /** Inserts or updates the record of (repository, number). */
  save(repository: string, number: number, values: PullRequestRecordPatch & Pick<PullRequestRecord, 'state' | 'headSha' | 'author'>): Promise<PullRequestRecord>;
  update(id: number, patch: PullRequestRecordPatch): Promise<PullRequestRecord>;
}
