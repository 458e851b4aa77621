import { z } from 'zod';
import { pullRequestKey } from '../../core/pull-requests/policy';
import { checkRunActions, runPullRequestCommand } from '../../core/pull-requests/run-pr-command';
import { reactToComment } from '../../infra/github/react-to-comment';
import { renderCommandAnswer } from '../../infra/github/render-command-answer';
import { requestReport } from '../../infra/github/report/request-report';
import { defineTask } from '../define-task';
import { gitHubJobDeps } from '../github-deps';

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
 * Runs a command given on a pull request through the runner every surface
 * shares; the answer, rendered in GitHub's words, is a reaction on the
 * comment and a line in the sticky comment (never silence, never a second
 * bot comment).
 */
export const task = defineTask(payload, async (deps, request) => {
  const github = gitHubJobDeps(deps);
  if (!github) return;
  const outcome = await runPullRequestCommand(github, {
    ...request,
    commentedAt: request.commentedAt ? new Date(request.commentedAt) : null,
  });
  if (outcome.kind === 'ignored') return;
  const { record, answer, command } = outcome;
  const rendered = renderCommandAnswer(request.login, answer);
  await github.records.update(record.id, {
    notice: { actor: request.login, command, text: rendered.notice, at: github.now().toISOString() },
  });
  if (request.commentId !== null)
    await reactToComment(
      github,
      { ...request, installationId: record.installationId ?? request.installationId, commentId: request.commentId },
      rendered.reaction,
    );
  if (approvedNow(answer)) {
    const key = pullRequestKey(request.repository, request.number);
    await github.store.enqueue(
      'sync_pull_request',
      {
        repository: request.repository,
        number: request.number,
        installationId: record.installationId,
        actor: { surface: 'github', id: request.login },
      },
      { jobKey: key, queueName: key },
    );
  }
  await requestReport(github.store, record.id);
});

/** A fresh approval: the pull request is synced again, so what waited for it deploys. */
function approvedNow(answer: Parameters<typeof renderCommandAnswer>[1]): boolean {
  return (
    answer.kind === 'result' &&
    answer.result.ok &&
    answer.result.answer.name === 'approve' &&
    !answer.result.answer.alreadyApproved
  );
}
