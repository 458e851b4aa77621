import { sandboxLinks } from '../config/sandbox-links';
import type { CommandDeps } from '../core/commands/runners';
import type { PullRequestDeps } from '../core/pull-requests/sync-pull-request';
import { createPullRequestRecords } from '../infra/db/pull-request-records';
import type { GitHubApp } from '../infra/github/github-app';
import { policyFromConfig } from '../infra/github/policy-from-config';
import type { ReportDeps } from '../infra/github/report/report-pull-request';
import type { JobDeps } from './deps';

export interface GitHubJobDeps extends PullRequestDeps, ReportDeps {
  github: GitHubApp;
  commands: CommandDeps;
}

/**
 * What the pull request tasks need, or null when the GitHub App is not
 * configured in this process (the tasks then log and do nothing: the jobs
 * stay harmless when credentials are removed).
 */
export function gitHubJobDeps(deps: JobDeps): GitHubJobDeps | null {
  if (!deps.github) return null;
  const { config, provisioning } = deps;
  if (!deps.commands) throw new Error("the pull request tasks need the command runners' deps (JobDeps.commands)");
  return {
    store: provisioning.store,
    records: createPullRequestRecords(deps.db),
    source: deps.github.source,
    github: deps.github,
    commands: deps.commands,
    policy: policyFromConfig(config),
    logger: deps.logger,
    now: provisioning.now,
    ...sandboxLinks(config),
  };
}
