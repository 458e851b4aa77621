import type { Deployment, Instance } from '../model';
import type { PullRequestSnapshot } from '../ports/pull-requests';
import { explainSettings, type DatabaseMode, type SettingsError, type SettingsExplanation } from '../settings';
import { withoutSecretSettings } from './fork-settings';
import { approvalCovers, type PullRequestPolicy, type RepositoryPolicy } from './policy';

/** What a deploy of the pull request would use: compared with what was deployed last. */
export interface SandboxConfig {
  settings: Record<string, unknown>;
  fields: Record<string, string>;
  databaseMode: DatabaseMode;
}

export interface SyncPlanInput {
  pr: PullRequestSnapshot;
  repository: RepositoryPolicy;
  policy: PullRequestPolicy;
  instance: Instance | null;
  /** Whether the author may trigger; null when it did not need asking (approved, or a fork that needs approval anyway). */
  authorAllowed: boolean | null;
  latestDeployment: Deployment | null;
  /** The config the newest appserver was created with; null when there is none yet. */
  deployed: SandboxConfig | null;
  now: Date;
}

/** `isolation`: a fork PR on a host where PR code would run as the bot's own user, and its repository does not allow that. */
export type WaitingReason = 'approval' | 'draft' | 'isolation';

export type SyncPlan =
  | { kind: 'closed'; archive: 'none' | 'now' | 'later'; archiveAt: Date | null }
  | {
      kind: 'open';
      explanation: SettingsExplanation;
      waiting: WaitingReason | null;
      errors: SettingsError[];
      /** What the sandbox should run; null when the settings have errors (the old config stays). */
      desired: SandboxConfig | null;
      action: 'none' | 'deploy' | 'restore';
      /** Why, in a few words, for the audit log and the bot log. */
      reason: string;
    };

/** Whether the author's permission must be asked before planning (not when an approval covers the head commit). */
export function needsAuthorCheck(
  pr: PullRequestSnapshot,
  repository: RepositoryPolicy,
  instance: Instance | null,
): boolean {
  return pr.state === 'open' && !approvalCovers(instance, pr.headSha) && !(pr.fromFork && !repository.allowForks);
}

/**
 * Decides what a pull request's current state means for its sandbox (pure):
 * closed → archive after the grace period; open → create, restore, redeploy
 * (new head SHA per `on_push`, or changed settings, fields or database mode)
 * or nothing; drafts and PRs needing approval wait (an approval holds for
 * the head commit it was given for only); settings errors never deploy. Example: an open PR whose head moved from abc to def, on_push
 * `redeploy`, no settings change → `{ action: 'deploy', reason: 'new commit def' }`.
 */
export function planSync(input: SyncPlanInput): SyncPlan {
  const { pr, repository, instance } = input;
  if (pr.state === 'closed') {
    if (!instance || instance.archivedAt) return { kind: 'closed', archive: 'none', archiveAt: null };
    const archiveAt = new Date((pr.closedAt ?? input.now).getTime() + repository.archiveGraceMs);
    return { kind: 'closed', archive: archiveAt <= input.now ? 'now' : 'later', archiveAt };
  }

  const explanation = explainFor(input);
  const errors = explanation.errors;
  const desired: SandboxConfig | null = errors.length
    ? null
    : { settings: explanation.settings ?? {}, fields: explanation.fields, databaseMode: explanation.databases };
  const waiting = waitingReason(input);
  const open = (action: 'none' | 'deploy' | 'restore', reason: string): SyncPlan => ({
    kind: 'open',
    explanation,
    waiting,
    errors,
    desired,
    action,
    reason,
  });

  if (waiting)
    return open(
      'none',
      waiting === 'draft'
        ? 'draft pull request'
        : waiting === 'isolation'
          ? 'fork pull request on a host without sandbox isolation'
          : 'waiting for approval',
    );
  if (!desired) return open('none', 'settings errors');
  if (!instance) return open('deploy', 'new pull request');
  if (instance.archivedAt) {
    // Archived for inactivity: only a new commit (or a person's redeploy) brings it back, not a resync of the same head.
    if (instance.expiredAt && input.latestDeployment?.commitSha === pr.headSha)
      return open('none', 'archived for inactivity; a push or /sandbox redeploy restores it');
    return open(
      'restore',
      instance.expiredAt ? `new commit ${pr.headSha.slice(0, 7)} after expiry` : 'pull request reopened',
    );
  }
  if (!input.latestDeployment) return open('deploy', 'first deploy');
  const current = input.deployed ?? {
    settings: instance.settings,
    fields: instance.fields,
    databaseMode: instance.databaseMode,
  };
  if (!sameConfig(current, desired)) return open('deploy', 'settings changed');
  if (input.latestDeployment.commitSha !== pr.headSha) {
    return repository.onPush === 'redeploy'
      ? open('deploy', `new commit ${pr.headSha.slice(0, 7)}`)
      : open('none', 'on_push is ignore');
  }
  return open('none', 'up to date');
}

function waitingReason({ pr, repository, instance, authorAllowed, policy }: SyncPlanInput): WaitingReason | null {
  // Before approval: no approval makes fork code safe to run as the bot's own user.
  if (pr.fromFork && !policy.sandboxesIsolated && !repository.allowForksUnisolated) return 'isolation';
  const approved = approvalCovers(instance, pr.headSha);
  if (!approved && ((pr.fromFork && !repository.allowForks) || authorAllowed === false)) return 'approval';
  if (pr.draft && !repository.allowDrafts) return 'draft';
  return null;
}

function explainFor({ pr, repository, policy }: SyncPlanInput): SettingsExplanation {
  return explainSettings({
    body: pr.body,
    repository: pr.repository,
    number: pr.number,
    branch: pr.headRef,
    baseDomain: policy.baseDomain,
    slugTemplate: policy.slugTemplate,
    configuredRepositories: policy.repositories.map((entry) => entry.name),
    repositorySettings: pr.fromFork
      ? withoutSecretSettings(repository.settings, repository.secretSettings)
      : repository.settings,
    repositoryFields: repository.fields,
    globalFields: policy.globalFields,
    recipeFields: repository.recipeFields,
    domainPrefixes: repository.domainPrefixes,
    extraDenyPatterns: [...policy.denySettings, ...repository.denySettings],
    repositoryEphemeralDatabases: repository.ephemeralDatabases,
    globalEphemeralDatabases: policy.globalEphemeralDatabases,
    allowedFlavors: policy.allowedFlavors ?? null,
  });
}

/** Deep equality of two configs, independent of key order. */
export function sameConfig(a: SandboxConfig, b: SandboxConfig): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonical(child)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
