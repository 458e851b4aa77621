import type { CommandAnswer } from '../../../core/commands/runners';
import { escapeText, link, type SlackView } from '../blocks';
import { renderCampaignPlan, renderCampaignStarted } from './render-campaign';
import { renderList } from './render-list';
import { renderLogs, renderStatus } from './render-status';

/** How a command's answer is shown to the person who asked (ephemeral), in Slack's words. */
export interface AnswerOptions {
  /** The sandbox's basic-auth credentials in a status answer (people who may deploy). */
  showCredentials?: boolean;
}

const follows = 'A message in this channel follows its progress.';

/** Renders the surface-neutral answer of a command as a Slack reply. */
export function renderAnswer(answer: CommandAnswer, options: AnswerOptions = {}): SlackView {
  const slug = 'sandbox' in answer ? `*${link(answer.sandbox.statusUrl, answer.sandbox.slug)}*` : '';
  switch (answer.name) {
    case 'redeploy': {
      if (answer.restored)
        return {
          text: `:leftwards_arrow_with_hook: On it: restoring ${slug} (deployment ${answer.deployment.id}); it was archived. ${follows}`,
        };
      const notes = [
        answer.deployment.attempts > 1 ? `up to ${answer.deployment.attempts} attempts` : '',
        answer.deployment.activateOnSuccess ? '' : 'without activating',
      ]
        .filter(Boolean)
        .join(', ');
      return {
        text: `:rocket: On it: redeploying ${slug} (deployment ${answer.deployment.id}${notes ? `, ${notes}` : ''}). ${follows}`,
      };
    }
    case 'restore':
      return {
        text: `:leftwards_arrow_with_hook: On it: restoring ${slug} (deployment ${answer.deployment.id}). ${follows}`,
      };
    case 'activate':
      return { text: `:twisted_rightwards_arrows: On it: switching ${slug} to appserver ${answer.appserver.number}.` };
    case 'archive':
      if (answer.alreadyArchived)
        return {
          text: `:file_cabinet: ${slug} is archived already; \`/redeploy ${escapeText(answer.sandbox.slug)}\` brings it back.`,
        };
      return { text: `:file_cabinet: On it: archiving ${slug}; its data is kept.` };
    case 'delete':
      return { text: `:wastebasket: On it: deleting ${slug}.` };
    case 'cancel':
      return {
        text: `:no_entry_sign: On it: cancelling ${answer.cancelled} unfinished appserver${answer.cancelled === 1 ? '' : 's'} of ${slug}; the active one keeps serving.`,
      };
    case 'status':
      return renderStatus(answer.view, { showCredentials: options.showCredentials ?? false });
    case 'logs':
      return renderLogs(answer.view, answer.appserver, answer.text, answer.lines, answer.droppedMarker, answer.log);
    case 'extend':
      return {
        text: `:hourglass_flowing_sand: ${slug} now expires at ${answer.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (extended by ${escapeText(answer.duration)}).`,
      };
    case 'pin':
      return {
        text: answer.alreadyPinned
          ? `:pushpin: ${slug} is pinned already.`
          : `:pushpin: ${slug} is pinned: it never expires until it is unpinned.`,
      };
    case 'unpin':
      if (!answer.wasPinned) return { text: `${slug} was not pinned.` };
      return {
        text: `:hourglass_flowing_sand: ${slug} is unpinned; ${answer.expiresAt ? `it expires at ${answer.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC unless there is activity` : 'it has no expiry'}.`,
      };
    case 'approve':
      return { text: `:+1: ${escapeText(answer.sha.slice(0, 7))} of ${slug} is approved.` };
    case 'list':
      return renderList(
        answer.sandboxes.map((s) => s.view),
        listWords(answer.filter ?? ''),
      );
    case 'create': {
      const deploying = answer.deployment ? `; deploying it now (deployment ${answer.deployment.id}). ${follows}` : '.';
      return {
        text: `:sparkles: Created ${slug} (${escapeText(answer.sandbox.domain)}) from ${escapeText(answer.repository)} at \`${escapeText(answer.ref)}\`${deploying}`,
      };
    }
    case 'campaign':
      return answer.started ? renderCampaignStarted(answer.started) : renderCampaignPlan(answer);
    case 'campaign_control':
      return {
        text: `Campaign ${answer.campaign.campaign.id} (\`${escapeText(answer.campaign.campaign.tag)}\`) is ${answer.campaign.campaign.state}.`,
      };
    case 'campaigns':
      return {
        text: answer.campaigns.length
          ? answer.campaigns
              .map(
                ({ campaign, items }) =>
                  `• ${campaign.id} \`${escapeText(campaign.tag)}\` ${campaign.state} (${items.length})`,
              )
              .join('\n')
          : 'No campaigns.',
      };
    case 'task':
      return {
        text: `${answer.exitCode === 0 ? ':white_check_mark:' : ':x:'} The task \`${escapeText(answer.task)}\` of ${slug} (appserver ${answer.appserver}) exited with status ${answer.exitCode}.`,
      };
  }
}

function listWords(filter: string): string {
  const lower = filter.toLowerCase();
  if (lower === '') return '(archived ones are not listed)';
  if (lower === 'mine') return 'that you deployed or created';
  if (lower === 'failed') return 'whose last deploy failed';
  if (lower.startsWith('repo:')) return `from ${escapeText(filter.slice('repo:'.length))}`;
  return `matching “${escapeText(filter)}”`;
}
