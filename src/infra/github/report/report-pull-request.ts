import { createHash } from 'node:crypto';
import type { CoreLogger } from '../../../core/ports/other-ports';
import type { PullRequestRecord, PullRequestRecords } from '../../../core/ports/pull-requests';
import type { GitHubApp } from '../github-app';
import type { Octokit } from '../octokit';
import { loadReportState, type LoadReportDeps } from './load-report-state';
import { checkRunName, renderCheckRun, type CheckRunContent } from './render-check-run';
import { renderDeployment } from './render-deployment';
import type { RepoTarget } from './repo-target';
import type { ReportState } from './report-state';
import { writeComment } from './write-comment';

export interface ReportDeps extends LoadReportDeps {
  records: PullRequestRecords;
  github: GitHubApp;
  logger: CoreLogger;
  now: () => Date;
}

/**
 * Brings what GitHub shows for one pull request up to date: the `sandbox`
 * check run on the head commit, the transient deployment and the sticky
 * comment. Each is written only when its content changed since the last
 * report (digests in the record), so a burst of state changes costs a few
 * API calls. Safe to run any number of times.
 */
export async function reportPullRequest(deps: ReportDeps, recordId: number): Promise<void> {
  const record = await deps.records.get(recordId);
  if (!record || (record.instanceId === null && record.state === 'closed')) return;
  const installationId = record.installationId ?? (await deps.github.installationOf(record.repository));
  if (installationId === null) {
    deps.logger.warn(
      { repository: record.repository },
      'cannot report on a pull request: the GitHub App is not installed on its repository',
    );
    return;
  }
  const octokit = await deps.github.installation(installationId);
  const now = deps.now();
  const state = await loadReportState(deps, record, now);
  const repo = target(record);
  // Saved after each step: an id GitHub handed out is never forgotten when a later step fails.
  const save = async (patch: Partial<PullRequestRecord>) => {
    if (Object.keys(patch).length) await deps.records.update(record.id, patch);
  };
  await save(await updateCheckRun(octokit, repo, state, now));
  await save(await updateDeployment(octokit, repo, state));
  await save(await writeComment(octokit, repo, state, now));
}

function target(record: PullRequestRecord): RepoTarget {
  const [owner = '', repo = ''] = record.repository.split('/');
  return { owner, repo, number: record.number };
}

export function digestOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}

async function updateCheckRun(
  octokit: Octokit,
  repo: RepoTarget,
  state: ReportState,
  now: Date,
): Promise<Partial<PullRequestRecord>> {
  const { record } = state;
  const content = renderCheckRun(state, now);
  const digest = `${content.status}:${digestOf(content)}`;
  const sameCommit = record.checkRunId !== null && record.checkRunSha === record.headSha;
  if (sameCommit && record.checkRunDigest === digest) return {};
  const previousDone = record.checkRunDigest?.startsWith('completed:') ?? false;
  if (record.checkRunId !== null && !sameCommit && !previousDone) {
    // The older commit's run ends here: it must never turn green after a newer push.
    await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      owner: repo.owner,
      repo: repo.repo,
      check_run_id: record.checkRunId,
      status: 'completed',
      conclusion: 'neutral',
      completed_at: now.toISOString(),
      output: {
        title: 'Superseded',
        summary: `A newer commit (\`${record.headSha.slice(0, 7)}\`) is deployed instead.`,
      },
      actions: [],
    });
  }
  const body = checkRunBody(content, now);
  if (sameCommit && !(previousDone && content.status !== 'completed')) {
    await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      owner: repo.owner,
      repo: repo.repo,
      check_run_id: record.checkRunId!,
      ...body,
    });
    return { checkRunDigest: digest };
  }
  const created = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
    owner: repo.owner,
    repo: repo.repo,
    name: checkRunName,
    head_sha: record.headSha,
    ...body,
  });
  return { checkRunId: Number(created.data.id), checkRunSha: record.headSha, checkRunDigest: digest };
}

function checkRunBody(content: CheckRunContent, now: Date) {
  return {
    status: content.status,
    ...(content.conclusion ? { conclusion: content.conclusion, completed_at: now.toISOString() } : {}),
    ...(content.detailsUrl ? { details_url: content.detailsUrl } : {}),
    output: { title: content.title, summary: content.summary, ...(content.text ? { text: content.text } : {}) },
    actions: content.actions,
  };
}

async function updateDeployment(
  octokit: Octokit,
  repo: RepoTarget,
  state: ReportState,
): Promise<Partial<PullRequestRecord>> {
  const { record } = state;
  const content = renderDeployment(state);
  if (!content) return {};
  const digest = digestOf(content);
  if (record.deploymentDigest === digest) return {};
  let deploymentId = record.deploymentId;
  let deploymentSha = record.deploymentSha;
  if (content.state !== 'inactive' && (deploymentId === null || deploymentSha !== content.sha)) {
    const created = await octokit.request('POST /repos/{owner}/{repo}/deployments', {
      owner: repo.owner,
      repo: repo.repo,
      ref: content.sha,
      environment: content.environment,
      description: `sandbox of pull request #${record.number}`,
      transient_environment: true,
      production_environment: false,
      auto_merge: false,
      required_contexts: [],
    });
    deploymentId = (created.data as { id: number }).id;
    deploymentSha = content.sha;
  }
  if (deploymentId === null) return {};
  await octokit.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
    owner: repo.owner,
    repo: repo.repo,
    deployment_id: deploymentId,
    state: content.state,
    description: content.description.slice(0, 140),
    environment: content.environment,
    auto_inactive: true,
    ...(content.environmentUrl ? { environment_url: content.environmentUrl } : {}),
    ...(content.logUrl ? { log_url: content.logUrl } : {}),
  });
  return { deploymentId, deploymentSha, deploymentDigest: digest };
}
