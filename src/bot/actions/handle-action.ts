import { SandboxError, isSandboxError } from '../../core/errors';
import { statusPageUrl } from '../../core/naming/sandbox-urls';
import { activate, deleteInstance, requestDeployment } from '../../core/operations/operations';
import { slackActionIds } from '../../infra/slack/action-ids';
import { link, type SlackView } from '../../infra/slack/blocks';
import { slackActor } from '../commands/runner';
import type { SlackDeps, SlackRequest } from '../deps';
import { errorReply } from '../error-words';
import { startOperation } from '../start-operation';

/** A button click: which button, its value, and whether the reply replaces the message it sat in. */
export interface ActionResult extends SlackView {
  replaceOriginal?: boolean;
}

type ActionHandler = (deps: SlackDeps, request: SlackRequest, value: string) => Promise<ActionResult>;

const activateButton: ActionHandler = async (deps, request, value) => {
  await deps.permissions.require(request.userId, 'activate');
  const appserver = await deps.store.getAppserver(idFrom(value));
  const instance = appserver ? await deps.store.getInstance(appserver.instanceId) : null;
  if (!appserver || !instance || instance.deletedAt) throw new SandboxError('not_found', 'that appserver no longer exists');
  await startOperation(deps, { ...request, instanceId: instance.id, purpose: 'activate' }, async (store) => {
    const chosen = await activate({ store }, instance, { actor: slackActor(request.userId), number: appserver.number });
    return { value: chosen, subjectId: chosen.id };
  });
  return { text: `:twisted_rightwards_arrows: On it: switching *${slugLink(deps, instance.slug)}* to appserver ${appserver.number}.` };
};

const redeployButton: ActionHandler = async (deps, request, value) => {
  await deps.permissions.require(request.userId, 'deploy');
  const instance = await deps.store.getInstance(idFrom(value));
  if (!instance || instance.deletedAt) throw new SandboxError('not_found', 'that sandbox no longer exists');
  const deployment = await startOperation(deps, { ...request, instanceId: instance.id, purpose: 'deploy' }, async (store) => {
    const created = await requestDeployment({ store }, instance, { actor: slackActor(request.userId) });
    return { value: created, subjectId: created.id };
  });
  return { text: `:rocket: On it: redeploying *${slugLink(deps, instance.slug)}* (deployment ${deployment.id}).` };
};

const confirmDelete: ActionHandler = async (deps, request, value) => {
  await deps.permissions.require(request.userId, 'delete');
  const [instanceId, force] = value.split(':');
  const instance = await deps.store.getInstance(idFrom(instanceId ?? ''));
  if (!instance || instance.deletedAt) throw new SandboxError('not_found', 'that sandbox is already gone');
  await startOperation(deps, { ...request, instanceId: instance.id, purpose: 'delete' }, async (store) => {
    await deleteInstance({ store }, instance, { actor: slackActor(request.userId), force: force === '1' });
    return { value: null, subjectId: null };
  });
  return { text: `:wastebasket: On it: deleting *${slugLink(deps, instance.slug)}*.`, replaceOriginal: true };
};

const cancelDelete: ActionHandler = async () => ({ text: 'Not deleted.', replaceOriginal: true });

/** A link button: Slack opens the page and still wants the click acknowledged; nothing to say. */
const logsButton: ActionHandler = async () => ({ text: '' });

/** The one button registry. */
export const actionHandlers = {
  [slackActionIds.activate]: activateButton,
  [slackActionIds.redeploy]: redeployButton,
  [slackActionIds.confirmDelete]: confirmDelete,
  [slackActionIds.cancelDelete]: cancelDelete,
  [slackActionIds.logs]: logsButton,
} satisfies Record<(typeof slackActionIds)[keyof typeof slackActionIds], ActionHandler>;

/** Authorize → enqueue → the reply for the clicker. Never throws; refusals and errors land in the audit log. */
export async function handleAction(deps: SlackDeps, request: SlackRequest, actionId: keyof typeof actionHandlers, value: string): Promise<ActionResult> {
  try {
    return await actionHandlers[actionId](deps, request, value);
  } catch (error) {
    try {
      await deps.store.recordAudit({ actor: request.userId, surface: 'slack', action: actionId, instanceId: null, instanceSlug: null, result: isSandboxError(error, 'not_permitted') ? 'refused' : 'error', detail: { channel: request.channelId, value, message: error instanceof Error ? error.message : String(error) } });
    } catch (auditError) {
      deps.logger.error({ err: auditError }, 'could not record a failed Slack action in the audit log');
    }
    return errorReply(error, deps.logger);
  }
}

function idFrom(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new SandboxError('usage', 'this button is from an older version of the bot; run the command again');
  return id;
}

function slugLink(deps: SlackDeps, slug: string): string {
  return link(statusPageUrl(deps.links.publicUrl, slug), slug);
}
