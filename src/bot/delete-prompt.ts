import type { SandboxCommand } from '../core/commands';
import { SandboxError } from '../core/errors';
import { resolveInstance } from '../core/operations/resolve-instance';
import { slackActionIds } from '../infra/slack/action-ids';
import { actions, button, escapeText, section, type SlackView } from '../infra/slack/blocks';
import type { SlackDeps, SlackRequest } from './deps';

/**
 * `/sandbox delete <instance> [--force]` asks first: an ephemeral message
 * with a Delete button (and Slack's own confirmation dialog); the button
 * runs the delete command, after the same permission check.
 */
export async function deletePrompt(
  deps: SlackDeps,
  request: SlackRequest,
  command: Extract<SandboxCommand, { name: 'delete' }>,
): Promise<SlackView> {
  await deps.permissions.require(request.userId, 'delete');
  if (command.instance === null)
    throw new SandboxError('usage', 'name the sandbox (slug, domain, PR URL or owner/repo#N)');
  const instance = await resolveInstance(deps.store, command.instance);
  if (instance.production && !command.force)
    throw new SandboxError(
      'force_required',
      `${instance.slug} is a production instance; deleting it destroys its data`,
    );
  await deps.store.recordAudit({
    actor: request.userId,
    surface: 'slack',
    action: 'delete_prompt',
    instanceId: instance.id,
    instanceSlug: instance.slug,
    result: 'ok',
    detail: { channel: request.channelId, force: command.force },
  });
  const slug = escapeText(instance.slug);
  const question = `:warning: Delete *${slug}*? This stops every appserver, removes ${escapeText(instance.domain)} and destroys its data (databases, volumes). It cannot be undone.`;
  return {
    text: `Delete ${instance.slug}?`,
    blocks: [
      section(question),
      ...actions([
        button({
          text: `Delete ${instance.slug}`,
          actionId: slackActionIds.confirmDelete,
          value: `${instance.id}:${command.force ? 1 : 0}`,
          style: 'danger',
          confirm: { title: 'Delete for good?', text: `*${slug}* and its data will be gone.`, confirm: 'Delete' },
        }),
        button({ text: 'Cancel', actionId: slackActionIds.cancelDelete, value: String(instance.id) }),
      ]),
    ],
  };
}
