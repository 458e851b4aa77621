import { z } from 'zod';
import type { JobQueue } from '../../core/ports/store';
import { reportPullRequest } from '../../infra/github/report/report-pull-request';
import { defineTask } from '../define-task';
import { gitHubJobDeps } from '../github-deps';

export const payload = z.object({ pullRequestId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Coalescing window of GitHub reports: a burst of changes becomes one round of API calls. */
export const reportDelayMs = 250;

/** Asks for a report of one pull request: coalesced (jobKey) and serialized (queue) per PR, so only one writer ever edits its comment. */
export async function requestReport(queue: JobQueue, pullRequestId: number, now = new Date()): Promise<void> {
  const key = `github-report:${pullRequestId}`;
  await queue.enqueue('report_pull_request', { pullRequestId }, { jobKey: key, queueName: key, runAt: new Date(now.getTime() + reportDelayMs) });
}

/** Updates the check run, deployment and sticky comment of one pull request. */
export const task = defineTask(payload, async (deps, { pullRequestId }) => {
  const github = gitHubJobDeps(deps);
  if (!github) return;
  await reportPullRequest(github, pullRequestId);
});
