import type { CoreLogger } from '../../core/ports/other-ports';
import type { InstallationAccess } from './octokit';
import { status } from './pull-request-source';
import type { Reaction } from './reaction';

/** A reaction is a courtesy: failing to add one never repeats the command (the answer is in the sticky comment too). */
export async function reactToComment(
  deps: { github: InstallationAccess; logger: CoreLogger },
  target: { repository: string; number: number; installationId: number | null; commentId: number },
  content: Reaction,
): Promise<void> {
  try {
    const id = target.installationId ?? (await deps.github.installationOf(target.repository));
    if (id === null) return;
    const octokit = await deps.github.installation(id);
    const [owner = '', repo = ''] = target.repository.split('/');
    await octokit.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
      owner,
      repo,
      comment_id: target.commentId,
      content,
    });
  } catch (error) {
    if (status(error) !== 404)
      deps.logger.warn(
        { err: error, repository: target.repository, number: target.number },
        'could not react to a command comment',
      );
  }
}
