import type { PullRequestRecord } from '../../../core/ports/pull-requests';
import type { Octokit } from '../octokit';
import { status } from '../pull-request-source';
import { commentMarker, renderComment } from './render-comment';
import type { ReportState } from './report-state';
import type { RepoTarget } from './repo-target';
import { createHash } from 'node:crypto';

/**
 * Keeps the one bot comment of the pull request current: edits it in place
 * (found by id, else by its hidden marker), creates it only when there is
 * none, and writes nothing when the text has not changed.
 */
export async function writeComment(
  octokit: Octokit,
  repo: RepoTarget,
  state: ReportState,
  now: Date,
): Promise<Partial<PullRequestRecord>> {
  const { record } = state;
  const body = renderComment(state, now);
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 32);
  if (record.commentId !== null && record.commentDigest === digest) return {};
  let commentId = record.commentId ?? (await findComment(octokit, repo));
  if (commentId !== null) {
    try {
      await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        owner: repo.owner,
        repo: repo.repo,
        comment_id: commentId,
        body,
      });
      return { commentId, commentDigest: digest };
    } catch (error) {
      // Someone deleted the comment: write a new one.
      if (status(error) !== 404) throw error;
      commentId = null;
    }
  }
  const created = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner: repo.owner,
    repo: repo.repo,
    issue_number: repo.number,
    body,
  });
  return { commentId: Number(created.data.id), commentDigest: digest };
}

/** The bot's comment on the pull request (a Bot-authored comment carrying the marker), or null. */
async function findComment(octokit: Octokit, repo: RepoTarget): Promise<number | null> {
  const comments = await octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner: repo.owner,
    repo: repo.repo,
    issue_number: repo.number,
    per_page: 100,
  });
  const mine = comments.find(
    (comment) => comment.user?.type === 'Bot' && (comment.body ?? '').startsWith(commentMarker),
  );
  return mine?.id ?? null;
}
