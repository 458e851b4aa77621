import type { Reporter } from '../../core/ports/reporter';
import type { Store } from '../../core/ports/store';
import type { Logger } from '../logger';
import type { SlackView } from './blocks';
import { loadInstanceView } from '../../core/instance-view';
import type { SandboxLinks } from '../../core/naming/sandbox-urls';
import type { InstanceView } from './render/describe';
import { renderCampaignFailures, renderCampaignProgress } from './render/render-campaign';
import { renderExpiryWarning, renderNotification, wantsNotification } from './render/render-notification';
import { isExpiryWarned } from '../../core/expiry/expiry-policy';
import { renderOperation, type OperationPurpose } from './render/render-operation';
import { permanentSlackErrors, slackErrorCode, type SlackPoster } from './slack-client';
import type { SlackMessageRepo, SlackMessageRow } from '../db/slack-message-repo';

export interface SlackReporterDeps {
  store: Store;
  messages: SlackMessageRepo;
  poster: SlackPoster;
  links: SandboxLinks;
  /** Channel id for failures of PR sandboxes and manual instances' state changes; null: none. */
  notificationChannel: string | null;
  logger: Logger;
}

/**
 * Keeps Slack current for one instance: every unfinished operation message
 * (posted on the first report, then chat.update in place) and the
 * instance's one message in the notification channel; and each campaign's
 * progress messages and its message in the failure channel. A message is sent
 * only when its content changed, so repeated reports cost nothing.
 */
export function createSlackReporter(deps: SlackReporterDeps): Reporter {
  return {
    name: 'slack',
    async report(instanceId) {
      const open = await deps.messages.listOpen(instanceId);
      const instance = await deps.store.getInstance(instanceId);
      if (!instance) return;
      const creatorToWarn = instance.kind === 'manual' && isExpiryWarned(instance);
      if (open.length === 0 && !deps.notificationChannel && !creatorToWarn) return;
      const view = await loadInstanceView(deps.store, instance, deps.links);
      for (const row of open) {
        const activationError = row.purpose === 'activate' ? await activationErrorFor(deps, view, row) : null;
        const rendered = renderOperation(
          { purpose: row.purpose as OperationPurpose, subjectId: row.subjectId, requestedBy: row.requestedBy },
          view,
          { activationError },
        );
        await sync(deps, row, rendered, rendered.done);
      }
      await notify(deps, view);
      await warnCreator(deps, view);
    },
    async reportCampaign(campaignId) {
      const open = await deps.messages.listOpenForCampaign(campaignId);
      if (open.length === 0 && !deps.notificationChannel) return;
      const campaign = await deps.store.getCampaign(campaignId);
      if (!campaign) return;
      const facts = { campaign, items: await deps.store.listCampaignItems(campaignId) };
      for (const row of open.filter((r) => r.purpose === 'campaign')) {
        const { view, done } = renderCampaignProgress(facts, row.requestedBy);
        await sync(deps, row, view, done);
      }
      // Failures go to the failure channel whichever surface started the campaign: one message, updated in place.
      if (!deps.notificationChannel) return;
      const failed = facts.items.some((i) => i.state === 'failed');
      const row = await deps.messages.campaignFailures(campaignId, deps.notificationChannel, failed);
      if (row && !row.done) {
        const { view, done } = renderCampaignFailures(facts);
        await sync(deps, row, view, done);
      }
    },
  };
}

async function activationErrorFor(
  deps: SlackReporterDeps,
  view: InstanceView,
  row: SlackMessageRow,
): Promise<string | null> {
  const appserver = view.appservers.find((a) => a.id === row.subjectId);
  return appserver ? deps.messages.activationError(view.instance.id, appserver.number, row.createdAt) : null;
}

async function notify(deps: SlackReporterDeps, view: InstanceView): Promise<void> {
  if (!deps.notificationChannel) return;
  const row = await deps.messages.notification(view.instance.id, deps.notificationChannel, wantsNotification(view));
  if (row && !row.done) await sync(deps, row, renderNotification(view), false);
}

/**
 * The expiry warning of a manual sandbox also reaches whoever created it
 * from Slack: a reply, mentioning them, in the thread of their creation
 * message; once per expiry (an extend or new activity arms it again).
 */
async function warnCreator(deps: SlackReporterDeps, view: InstanceView): Promise<void> {
  const { instance } = view;
  if (instance.kind !== 'manual' || !isExpiryWarned(instance)) return;
  const created = await deps.messages.creationMessage(instance.id);
  if (!created?.ts || !created.requestedBy) return;
  const warning = await deps.messages.expiryWarning(instance.id, created.channel);
  const expiry = instance.expiresAt!.toISOString();
  if (warning.rendered === expiry) return;
  try {
    const ts = await deps.poster.post(created.channel, renderExpiryWarning(view, created.requestedBy), {
      threadTs: created.ts,
    });
    await deps.messages.update(warning.id, { ts, rendered: expiry });
  } catch (error) {
    const code = slackErrorCode(error);
    if (code === null || !permanentSlackErrors.includes(code)) throw error;
    deps.logger.warn(
      { channel: created.channel, instanceId: instance.id, slackError: code },
      'expiry warning to the creator of a manual sandbox could not be sent; giving it up for this expiry',
    );
    await deps.messages.update(warning.id, { rendered: expiry });
  }
}

/** Posts or updates one message when its content changed; a message Slack will never take again is given up. */
async function sync(deps: SlackReporterDeps, row: SlackMessageRow, view: SlackView, done: boolean): Promise<void> {
  const rendered = JSON.stringify(view);
  if (row.ts !== null && row.rendered === rendered) {
    if (done && !row.done) await deps.messages.update(row.id, { done });
    return;
  }
  try {
    if (row.ts === null) {
      const ts = await deps.poster.post(row.channel, view);
      await deps.messages.update(row.id, { ts, rendered, done });
    } else {
      await deps.poster.update(row.channel, row.ts, view);
      await deps.messages.update(row.id, { rendered, done });
    }
  } catch (error) {
    const code = slackErrorCode(error);
    if (code === null || !permanentSlackErrors.includes(code)) throw error;
    deps.logger.warn(
      { channel: row.channel, ts: row.ts, instanceId: row.instanceId, slackError: code },
      'slack message can no longer be sent; giving it up (invite the bot to the channel, or check slack.channels)',
    );
    await deps.messages.update(row.id, { done: true });
  }
}
