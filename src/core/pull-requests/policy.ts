import type { Instance } from '../model';
import type { PermissionLevel } from '../ports/pull-requests';
import type { QuotaLimits } from '../quotas/quota-breach';
import type { RecipeFieldDeclaration, SettingsMap } from '../settings';

/** How one watched repository treats its pull requests (from `repositories[]` in sandbox.yml). */
export interface RepositoryPolicy {
  /** `owner/name`. */
  name: string;
  /** Clone URL from the configuration; null: the pull request's own clone URL. */
  url: string | null;
  settings: SettingsMap;
  fields: Readonly<Record<string, string>>;
  denySettings: readonly string[];
  /** Extra setting names (or globs) whose values are secrets: forks do not get them. */
  secretSettings?: readonly string[];
  ephemeralDatabases: boolean | null;
  teams: readonly string[];
  minPermission: PermissionLevel;
  allowForks: boolean;
  /** Fork PRs may deploy even where PR code runs as the bot's own user (`trigger.allow_forks_unisolated`). */
  allowForksUnisolated: boolean;
  allowDrafts: boolean;
  onPush: 'redeploy' | 'ignore';
  archiveGraceMs: number;
  /** Extra domain prefixes and fields the repository's recipe declares. */
  domainPrefixes: readonly string[];
  recipeFields: readonly RecipeFieldDeclaration[];
  /** Live-sandbox quotas of the repository; absent: none. */
  quotas?: QuotaLimits;
}

/** Everything the pull request logic reads from the configuration, as plain values. */
export interface PullRequestPolicy {
  repositories: readonly RepositoryPolicy[];
  baseDomain: string;
  slugTemplate: string;
  globalFields: Readonly<Record<string, string>>;
  globalEphemeralDatabases: boolean;
  /** Global deny patterns, on top of the built-in list. */
  denySettings: readonly string[];
  /** Slugs no sandbox may take (`www`, the bot's host name, `naming.reserved_slugs`); absent: none. */
  reservedSlugs?: readonly string[];
  /** Flavors a PR may pick with `sandbox_flavor` (compute.provider openstack); null: none (the setting is refused). */
  allowedFlavors?: readonly string[] | null;
  /** False when PR code would run as the bot's own user (see `decideIsolation`): fork PRs then wait unless their repository allows it. */
  sandboxesIsolated: boolean;
}

/** The watched repository `name` (case-insensitive), or null when it is not configured. */
export function findRepositoryPolicy(policy: PullRequestPolicy, name: string): RepositoryPolicy | null {
  const wanted = name.toLowerCase();
  return policy.repositories.find((repository) => repository.name.toLowerCase() === wanted) ?? null;
}

const ranks: Record<PermissionLevel, number> = { read: 0, triage: 1, write: 2, maintain: 3, admin: 4 };

/** True when `granted` is at least `required` (read < triage < write < maintain < admin). */
export function permissionAtLeast(granted: PermissionLevel | null, required: PermissionLevel): boolean {
  return granted !== null && ranks[granted] >= ranks[required];
}

/**
 * Whether an approval covers the commit `sha`: an approval belongs to the head
 * commit it was given for (`approvedSha`), so a fork's or an outsider's next
 * push needs a new one. An approval recorded before approvals were pinned
 * (no `approvedSha`) covers nothing. Example: approved at abc, head def → false.
 */
export function approvalCovers(instance: Pick<Instance, 'approvedBy' | 'approvedSha'> | null, sha: string): boolean {
  return Boolean(instance?.approvedBy) && instance?.approvedSha === sha;
}

/** Job key (and queue name) of a pull request's sync: one pending sync per PR, run one at a time. */
export function pullRequestKey(repository: string, number: number): string {
  return `pr:${repository.toLowerCase()}#${number}`;
}
