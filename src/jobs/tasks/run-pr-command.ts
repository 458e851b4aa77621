import { z } from 'zod';
import { pullRequestKey } from '../../core/pull-requests/policy';
import type { Reaction } from '../../core/pull-requests/command-runners';
import { checkRunActions, runPullRequestCommand } from '../../core/pull-requests/run-pr-command';
import { status } from '../../infra/github/pull-request-source';
import { defineTask } from '../define-task';
import { gitHubJobDeps, type GitHubJobDeps } from '../github-deps';
import { requestReport } from './report-pull-request';

export const payload = z.object({
  repository: z.string().regex(/^[^/\s]+\/[^/\s]+$/),
  number: z.number().int().positive(),
  installationId: z.number().int().positive().nullable(),
  login: z.string().min(1),
  /** What followed `/sandbox` (or the mention) in the comment; null for a check run button. */
  text: z.string().max(2_000).nullable(),
  action: z.enum(checkRunActions).nullable(),
  /** The comment to react to; null for a check run button. */
  commentId: z.number().int().positive().nullable(),
  /** When the comment was written (GitHub's `comment.created_at`); an approval belongs to the head the bot had recorded then. */
  commentedAt: z.iso.datetime({ offset: true }).nullish(),
});
export type Payload = z.input<typeof payload>;

/**
 * Runs a command given on a pull request: permission first, then the core
 * operation; the answer is a reaction on the comment and a line in the
 * sticky comment (never silence, never a second bot comment).
 */
export const task = defineTask(payload, async (deps, request) => {
  const github = gitHubJobDeps(deps);
  if (!github) return;
  const outcome = await runPullRequestCommand(github, { ...request, commentedAt: request.commentedAt ? new Date(request.commentedAt) : null });
  if (outcome.kind === 'ignored') return;
  const { record, answer, command } = outcome;
  await github.records.update(record.id, { notice: { actor: request.login, command, text: answer.notice, at: github.now().toISOString() } });
  if (request.commentId !== null) await react(github, record.installationId ?? request.installationId, request, answer.reaction);
  if (answer.resync) {
    const key = pullRequestKey(request.repository, request.number);
    await github.store.enqueue('sync_pull_request', { repository: request.repository, number: request.number, installationId: record.installationId, actor: { surface: 'github', id: request.login } }, { jobKey: key, queueName: key });
  }
  await requestReport(github.store, record.id);
});

/** A reaction is a courtesy: failing to add one never repeats the command (the answer is in the sticky comment too). */
async function react(github: GitHubJobDeps, installationId: number | null, request: z.output<typeof payload>, content: Reaction): Promise<void> {
  try {
    const id = installationId ?? (await github.github.installationOf(request.repository));
    if (id === null) return;
    const octokit = await github.github.installation(id);
    const [owner = '', repo = ''] = request.repository.split('/');
    await octokit.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', { owner, repo, comment_id: request.commentId!, content });
  } catch (error) {
    if (status(error) !== 404) github.logger.warn({ err: error, repository: request.repository, number: request.number }, 'could not react to a command comment');
  }
}
