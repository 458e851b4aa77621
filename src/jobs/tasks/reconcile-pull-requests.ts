import { z } from 'zod';
import { reconcilePullRequests } from '../../core/pull-requests/reconcile-pull-requests';
import { defineTask } from '../define-task';
import { gitHubJobDeps } from '../github-deps';

export const payload = z.object({}).passthrough();
export type Payload = z.input<typeof payload>;

/** Heals what missed webhooks left behind (crontab, at start, and after installation changes). */
export const task = defineTask(payload, async (deps) => {
  const github = gitHubJobDeps(deps);
  if (!github) return;
  const summary = await reconcilePullRequests(github);
  deps.logger.info({ ...summary }, 'pull requests reconciled');
});
