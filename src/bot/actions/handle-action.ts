import { z } from 'zod';
import type { SandboxCommand } from '../../core/commands';
import { SandboxError, isSandboxError } from '../../core/errors';
import type { Instance } from '../../core/model';
import { slackActionIds } from '../../infra/slack/action-ids';
import type { SlackView } from '../../infra/slack/blocks';
import { renderAnswer } from '../../infra/slack/render/render-answer';
import { withMaintenanceNote } from '../../infra/slack/render/render-maintenance';
import type { SlackDeps, SlackRequest } from '../deps';
import { errorReply } from '../error-words';
import { runSlackCommand } from '../run-slack-command';

/** A button click: which button, its value, and whether the reply replaces the message it sat in. */
export interface ActionResult extends SlackView {
  replaceOriginal?: boolean;
}

type ActionHandler = (deps: SlackDeps, request: SlackRequest, value: string) => Promise<ActionResult>;

/** A button runs the same command as its slash command, on the sandbox the button names. */
async function run(
  deps: SlackDeps,
  request: SlackRequest,
  command: Exclude<SandboxCommand, { name: 'help' }>,
  instance: Instance,
  replaceOriginal = false,
): Promise<ActionResult> {
  const result = await runSlackCommand(deps, request, command, instance);
  return {
    ...(result.ok
      ? withMaintenanceNote(renderAnswer(result.answer), result.queuedInMaintenance)
      : errorReply(result.error, deps.logger)),
    ...(replaceOriginal && result.ok ? { replaceOriginal } : {}),
  };
}

const activateButton: ActionHandler = async (deps, request, value) => {
  const appserver = await deps.store.getAppserver(idFrom(value));
  const instance = appserver ? await deps.store.getInstance(appserver.instanceId) : null;
  if (!appserver || !instance || instance.deletedAt)
    throw new SandboxError('not_found', 'that appserver no longer exists');
  return run(deps, request, { name: 'activate', instance: instance.slug, appserver: appserver.number }, instance);
};

const redeployButton: ActionHandler = async (deps, request, value) => {
  const instance = await deps.store.getInstance(idFrom(value));
  if (!instance || instance.deletedAt) throw new SandboxError('not_found', 'that sandbox no longer exists');
  return run(deps, request, { name: 'redeploy', instance: instance.slug, activate: true }, instance);
};

const confirmDelete: ActionHandler = async (deps, request, value) => {
  const [instanceId, force] = value.split(':');
  const instance = await deps.store.getInstance(idFrom(instanceId ?? ''));
  if (!instance || instance.deletedAt) throw new SandboxError('not_found', 'that sandbox is already gone');
  return run(deps, request, { name: 'delete', instance: instance.slug, force: force === '1' }, instance, true);
};

const cancelDelete: ActionHandler = async () => ({ text: 'Not deleted.', replaceOriginal: true });

/** The campaign as it was shown in the question (parsed here, at the edge: the value came back from Slack). */
const plannedCampaign = z.object({
  tag: z.string().min(1),
  options: z.object({
    filter: z.record(z.string(), z.unknown()),
    exclude: z.record(z.string(), z.unknown()),
    update: z.record(z.string(), z.string()),
    preUpgrade: z.array(z.string()),
    batchSize: z.number().int(),
    batchFrequencyMs: z.number(),
    numAttempts: z.number().int(),
    activate: z.boolean(),
  }),
});

/** Start on a campaign's question: the same runner as `sbx redeploy --tag`, with Slack's `campaign` permission. */
const startCampaign: ActionHandler = async (deps, request, value) => {
  let planned: z.infer<typeof plannedCampaign>;
  try {
    planned = plannedCampaign.parse(JSON.parse(value));
  } catch {
    throw new SandboxError('usage', 'this button is from an older version of the bot; run the command again');
  }
  const result = await runSlackCommand(deps, request, { name: 'campaign', ...planned, start: true });
  return result.ok
    ? { ...withMaintenanceNote(renderAnswer(result.answer), result.queuedInMaintenance), replaceOriginal: true }
    : errorReply(result.error, deps.logger);
};

const cancelCampaign: ActionHandler = async (_deps, _request, value) => ({
  text: `Campaign ${value} not started.`,
  replaceOriginal: true,
});

/**
 * Pause, Resume or Cancel on a campaign's progress message: the runner behind
 * `sbx campaigns pause|resume|cancel`, with Slack's `campaign` permission. The
 * clicker gets a short ephemeral answer; the progress message itself is
 * updated in place by the report the control queues.
 */
function controlCampaign(control: 'pause' | 'resume' | 'cancel'): ActionHandler {
  return async (deps, request, value) => {
    const result = await runSlackCommand(deps, request, { name: 'campaign_control', campaign: idFrom(value), control });
    return result.ok ? renderAnswer(result.answer) : errorReply(result.error, deps.logger);
  };
}

/** A link button: Slack opens the page and still wants the click acknowledged; nothing to say. */
const logsButton: ActionHandler = async () => ({ text: '' });

/** The one button registry. */
export const actionHandlers = {
  [slackActionIds.activate]: activateButton,
  [slackActionIds.redeploy]: redeployButton,
  [slackActionIds.confirmDelete]: confirmDelete,
  [slackActionIds.cancelDelete]: cancelDelete,
  [slackActionIds.logs]: logsButton,
  [slackActionIds.startCampaign]: startCampaign,
  [slackActionIds.cancelCampaign]: cancelCampaign,
  [slackActionIds.pauseCampaign]: controlCampaign('pause'),
  [slackActionIds.resumeCampaign]: controlCampaign('resume'),
  [slackActionIds.stopCampaign]: controlCampaign('cancel'),
} satisfies Record<(typeof slackActionIds)[keyof typeof slackActionIds], ActionHandler>;

/** Authorize → enqueue → the reply for the clicker. Never throws: refusals and errors land in the audit log. */
export async function handleAction(
  deps: SlackDeps,
  request: SlackRequest,
  actionId: keyof typeof actionHandlers,
  value: string,
): Promise<ActionResult> {
  try {
    return await actionHandlers[actionId](deps, request, value);
  } catch (error) {
    try {
      await deps.store.recordAudit({
        actor: request.userId,
        surface: 'slack',
        action: actionId,
        instanceId: null,
        instanceSlug: null,
        result: isSandboxError(error, 'not_permitted') ? 'refused' : 'error',
        detail: { channel: request.channelId, value, message: error instanceof Error ? error.message : String(error) },
      });
    } catch (auditError) {
      deps.logger.error({ err: auditError }, 'could not record a failed Slack action in the audit log');
    }
    return errorReply(error, deps.logger);
  }
}

function idFrom(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1)
    throw new SandboxError('usage', 'this button is from an older version of the bot; run the command again');
  return id;
}
