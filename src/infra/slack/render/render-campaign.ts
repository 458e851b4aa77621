import type { AnswerOf, CampaignFacts } from '../../../core/commands/runners';
import { restoreHint } from '../../../core/campaigns/tick-campaign';
import { formatDuration } from '../../../core/duration';
import type { CampaignItem, CampaignOptions } from '../../../core/ports/campaigns';
import { slackActionIds } from '../action-ids';
import { actions, button, clip, context, escapeText, section, type SlackView } from '../blocks';

/** Slack keeps at most 2,000 characters in a button's value. */
const buttonValueLimit = 2_000;
const listed = 40;

/** What the Start button carries: the campaign exactly as planned, started as confirmed. */
export function campaignButtonValue(tag: string, options: CampaignOptions): string {
  return JSON.stringify({ tag, options });
}

/** `/redeploy --tag T …`: how many and which, and Start/Cancel buttons (nothing starts before Start). */
export function renderCampaignPlan(answer: AnswerOf<'campaign'>): SlackView {
  const { tag, options, instances } = answer;
  if (instances.length === 0)
    return {
      text: `:zzz: No sandbox is eligible for a campaign tagged \`${escapeText(tag)}\` (eligible: not archived, deployed successfully once, not tagged \`${escapeText(tag)}-ongoing\`, \`-success\` or \`-failure\`, and matching every --filter).`,
    };
  const value = campaignButtonValue(tag, options);
  const names = instances.slice(0, listed).map((slug) => `\`${escapeText(slug)}\``);
  const more = instances.length > listed ? ` and ${instances.length - listed} more` : '';
  const question = `:arrows_counterclockwise: Redeploy *${instances.length}* sandbox${instances.length === 1 ? '' : 'es'} as campaign \`${escapeText(tag)}\`? ${describeOptions(options)}`;
  const blocks = [section(question), section(`${names.join(', ')}${more}`)];
  if (value.length > buttonValueLimit)
    return {
      text: `Campaign ${tag}: too many options for a Slack button`,
      blocks: [
        ...blocks,
        context('These options are too long to confirm from Slack; start it with `sbx redeploy --tag …` instead.'),
      ],
    };
  return {
    text: `Redeploy ${instances.length} sandbox(es) as campaign ${tag}?`,
    blocks: [
      ...blocks,
      ...actions([
        button({ text: 'Start', actionId: slackActionIds.startCampaign, value, style: 'primary' }),
        button({ text: 'Cancel', actionId: slackActionIds.cancelCampaign, value: tag }),
      ]),
    ],
  };
}

/** The reply once Start was clicked (it replaces the question). */
export function renderCampaignStarted(facts: CampaignFacts): SlackView {
  const { campaign, items } = facts;
  return {
    text: `:rocket: Started campaign ${campaign.id} (\`${escapeText(campaign.tag)}\`) for ${items.length} sandbox${items.length === 1 ? '' : 'es'}. A message in this channel follows its progress.`,
  };
}

/**
 * The campaign's progress message, updated in place: a bar, counts per
 * state, then one line per item that started (failures with their reason).
 * Done once the campaign is finished or cancelled.
 */
export function renderCampaignProgress(
  facts: CampaignFacts,
  requestedBy: string | null,
): { view: SlackView; done: boolean } {
  const { campaign, items } = facts;
  const finished = items.filter((i) => i.state === 'succeeded' || i.state === 'failed' || i.state === 'cancelled');
  const counts = (['ongoing', 'pending', 'succeeded', 'failed', 'cancelled'] as const)
    .map((state) => [state, items.filter((i) => i.state === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  const emoji = stateEmoji[campaign.state];
  const by = requestedBy ? ` (asked by <@${requestedBy}>)` : '';
  const head = `${emoji} Campaign ${campaign.id} \`${escapeText(campaign.tag)}\` is *${campaign.state}*${by}: ${finished.length}/${items.length} done — ${counts || 'nothing to do'}`;
  const lines = items
    .filter((i) => i.state !== 'pending')
    .slice(0, listed)
    .map(itemLine);
  const done = campaign.state === 'succeeded' || campaign.state === 'failed' || campaign.state === 'cancelled';
  return {
    view: {
      text: `Campaign ${campaign.id} (${campaign.tag}): ${campaign.state}, ${finished.length}/${items.length} done`,
      blocks: [
        section(head),
        section(`\`${bar(finished.length, items.length)}\``),
        ...(lines.length ? [section(lines.join('\n'))] : []),
        ...(done ? [] : actions(controlButtons(campaign.id, campaign.state))),
      ],
    },
    done,
  };
}

/** Pause or Resume (whichever applies) and Cancel, while the campaign can still be changed. */
function controlButtons(id: number, state: CampaignFacts['campaign']['state']) {
  const value = String(id);
  return [
    state === 'paused'
      ? button({ text: 'Resume', actionId: slackActionIds.resumeCampaign, value, style: 'primary' })
      : button({ text: 'Pause', actionId: slackActionIds.pauseCampaign, value }),
    button({
      text: 'Cancel',
      actionId: slackActionIds.stopCampaign,
      value,
      style: 'danger',
      confirm: {
        title: `Cancel campaign ${id}?`,
        text: 'Sandboxes not yet redeployed are left as they are; redeploys in progress finish on their own.',
        confirm: 'Cancel campaign',
        deny: 'Keep it',
      },
    }),
  ];
}

/** The campaign's one message in the failure channel: every failed item and why (with the snapshot that restores it). */
export function renderCampaignFailures(facts: CampaignFacts): { view: SlackView; done: boolean } {
  const { campaign, items } = facts;
  const failed = items.filter((i) => i.state === 'failed');
  const done = campaign.state === 'succeeded' || campaign.state === 'failed' || campaign.state === 'cancelled';
  return {
    view: {
      text: `Campaign ${campaign.id} (${campaign.tag}): ${failed.length} failed`,
      blocks: [
        section(
          `:x: Campaign ${campaign.id} \`${escapeText(campaign.tag)}\` (${campaign.state}): ${failed.length} sandbox${failed.length === 1 ? '' : 'es'} failed`,
        ),
        section(failed.slice(0, listed).map(itemLine).join('\n')),
      ],
    },
    done,
  };
}

const stateEmoji: Record<CampaignFacts['campaign']['state'], string> = {
  running: ':arrows_counterclockwise:',
  paused: ':double_vertical_bar:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
};

const itemEmoji: Record<CampaignItem['state'], string> = {
  pending: ':hourglass:',
  ongoing: ':arrows_counterclockwise:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
};

function itemLine(item: CampaignItem): string {
  // The snapshot that restores a failed item is never clipped away with a long reason.
  const hint = item.state === 'failed' ? restoreHint(item) : '';
  const why = item.failureReason?.endsWith(hint)
    ? item.failureReason.slice(0, item.failureReason.length - hint.length)
    : item.failureReason;
  const reason = item.state === 'failed' && why ? `: ${escapeText(clip(why, 300))}${escapeText(hint)}` : '';
  const batch = item.batch === null ? '' : ` (batch ${item.batch})`;
  return `${itemEmoji[item.state]} \`${escapeText(item.slug)}\` ${item.state}${batch}${reason}`;
}

function bar(done: number, total: number): string {
  const width = 20;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${done}/${total}`;
}

function describeOptions(options: CampaignOptions): string {
  const parts = [
    `${options.batchSize} at a time, checked every ${formatDuration(options.batchFrequencyMs)}`,
    `${options.numAttempts} attempt${options.numAttempts === 1 ? '' : 's'} each`,
    options.activate ? '' : 'without activating',
    Object.keys(options.update).length
      ? `setting ${Object.entries(options.update)
          .map(([k, v]) => `\`${escapeText(k)}=${escapeText(v)}\``)
          .join(', ')}`
      : '',
  ];
  return `${parts.filter(Boolean).join('; ')}.`;
}
