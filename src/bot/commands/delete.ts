import { SandboxError } from '../../core/errors';
import { slackActionIds } from '../../infra/slack/action-ids';
import { actions, button, escapeText, section } from '../../infra/slack/blocks';
import { resolveInstance } from '../../core/operations/resolve-instance';
import { auditRead, instanceReference, type Runner } from './runner';

/**
 * `/sandbox delete <instance> [--force]` asks first: an ephemeral message
 * with a Delete button (and Slack's own confirmation dialog); the button does
 * the deleting, after the same permission check.
 */
export const deleteCommand: Runner<'delete'> = async (deps, request, command) => {
  await deps.permissions.require(request.userId, 'delete');
  const instance = await resolveInstance(deps.store, instanceReference(command));
  if (instance.production && !command.force) {
    throw new SandboxError('not_permitted', `${instance.slug} is a production instance; deleting it destroys its data: repeat with --force if you mean it`);
  }
  await auditRead(deps, request, 'delete_prompt', instance, { force: command.force });
  const slug = escapeText(instance.slug);
  const question = `:warning: Delete *${slug}*? This stops every appserver, removes ${escapeText(instance.domain)} and destroys its data (databases, volumes). It cannot be undone.`;
  return {
    text: `Delete ${instance.slug}?`,
    blocks: [
      section(question),
      ...actions([
        button({ text: `Delete ${instance.slug}`, actionId: slackActionIds.confirmDelete, value: `${instance.id}:${command.force ? 1 : 0}`, style: 'danger', confirm: { title: 'Delete for good?', text: `*${slug}* and its data will be gone.`, confirm: 'Delete' } }),
        button({ text: 'Cancel', actionId: slackActionIds.cancelDelete, value: String(instance.id) }),
      ]),
    ],
  };
};
