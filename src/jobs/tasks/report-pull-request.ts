import { z } from 'zod';
import { reportPullRequest } from '../../infra/github/report/report-pull-request';
import { defineTask } from '../define-task';
import { gitHubJobDeps } from '../github-deps';

export const payload = z.object({ pullRequestId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Updates the check run, deployment and sticky comment of one pull request. */
export const task = defineTask(payload, async (deps, { pullRequestId }) => {
  const github = gitHubJobDeps(deps);
  if (!github) return;
  await reportPullRequest(github, pullRequestId);
});
