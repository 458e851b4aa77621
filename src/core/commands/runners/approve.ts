import { SandboxError } from '../../errors';
import { approvalCovers } from '../../pull-requests/policy';
import { sandboxFacts, targetOf } from './shared';
import type { Runner } from './types';

/** Allows a pull request's head commit to deploy; only where the pull request is known (a comment on it). */
export const approve: Runner<'approve'> = async (deps, request) => {
  const context = request.pullRequest;
  if (!context)
    throw new SandboxError(
      'usage',
      'approve works in a comment on the pull request, where it is known which commit is approved',
    );
  const instance = await targetOf(deps, request);
  const { record, commentedAt } = context;
  const { actor } = request;
  const sandbox = sandboxFacts(instance, deps.links);
  // The approval belongs to the head the bot recorded (and showed) when the comment was written.
  // A head first recorded after the comment is a push the approver never saw: ask again. A later
  // sync of the same head (an edited description, a label, the reconcile) changes nothing they saw.
  const headSeenAt = record.headSeenAt ?? record.syncedAt;
  if (commentedAt && headSeenAt && headSeenAt > commentedAt) {
    throw new SandboxError(
      'conflict',
      `the pull request changed after your comment (its head is now ${record.headSha.slice(0, 7)}); look at it and approve again`,
    );
  }
  if (approvalCovers(instance, record.headSha))
    return {
      name: 'approve',
      sandbox,
      sha: record.headSha,
      approvedBy: instance.approvedBy ?? actor.id,
      alreadyApproved: true,
      waitsForReady: record.draft,
    };
  await deps.store.transaction(async (store) => {
    await store.updateInstance(instance.id, { approvedBy: actor.id, approvedSha: record.headSha });
    await store.recordAudit({
      actor: actor.id,
      surface: actor.surface,
      action: 'approve',
      instanceId: instance.id,
      instanceSlug: instance.slug,
      result: 'ok',
      detail: { sha: record.headSha },
    });
  });
  return {
    name: 'approve',
    sandbox,
    sha: record.headSha,
    approvedBy: actor.id,
    alreadyApproved: false,
    waitsForReady: record.draft,
  };
};
