import { z } from 'zod';
import { pullRequestKey } from '../../core/pull-requests/policy';
import { syncPullRequest } from '../../core/pull-requests/sync-pull-request';
import { defineTask } from '../define-task';
import { gitHubJobDeps } from '../github-deps';
import { requestReport } from '../../infra/github/report/request-report';

export const payload = z.object({
  repository: z.string().regex(/^[^/\s]+\/[^/\s]+$/),
  number: z.number().int().positive(),
  installationId: z.number().int().positive().nullable(),
  actor: z.object({ surface: z.enum(['github', 'system']), id: z.string().min(1) }).optional(),
});
export type Payload = z.input<typeof payload>;

/**
 * Reads a pull request from GitHub and brings its sandbox in line (create,
 * restore, redeploy, archive), then asks for a report. One pending sync per
 * PR (jobKey), run one at a time per PR (queue), so a burst of events costs
 * one read of the PR's current state.
 */
export const task = defineTask(payload, async (deps, request, helpers) => {
  const github = gitHubJobDeps(deps);
  if (!github) {
    deps.logger.warn(
      { repository: request.repository, number: request.number },
      'pull request sync skipped: the GitHub App is not configured in this process',
    );
    return;
  }
  const outcome = await syncPullRequest(github, request);
  if (outcome.kind === 'unconfigured' || outcome.kind === 'not_found') return;
  if (outcome.kind === 'closed' && outcome.archive === 'later' && outcome.archiveAt) {
    const key = pullRequestKey(request.repository, request.number);
    await helpers.addJob(
      'sync_pull_request',
      { ...request, installationId: outcome.record.installationId },
      { jobKey: key, queueName: key, runAt: outcome.archiveAt },
    );
  }
  await requestReport(github.store, outcome.record.id);
});
