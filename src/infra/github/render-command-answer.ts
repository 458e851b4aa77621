import type { CommandAnswer } from '../../core/commands/runners';
import { maintenanceQueuedText } from '../../core/maintenance';
import type { PullRequestAnswer } from '../../core/pull-requests/run-pr-command';
import { renderError } from './error-words';
import type { Reaction } from './reaction';

export type { Reaction } from './reaction';

/** What a pull request shows for a command: a reaction on the comment and a line folded into the sticky comment. */
export interface RenderedAnswer {
  reaction: Reaction;
  notice: string;
}

/** Renders a command's answer (or the parser's reply) in GitHub's words: markdown, mentions, commands as typed in a comment. */
export function renderCommandAnswer(login: string, answer: PullRequestAnswer): RenderedAnswer {
  if (answer.kind === 'reply')
    return { reaction: answer.reason === 'help' ? 'eyes' : 'confused', notice: `@${login}: ${answer.text}` };
  if (!answer.result.ok) return renderError(login, answer.result.error);
  const done = renderDone(`@${login}`, answer.result.answer);
  const queued = answer.result.queuedInMaintenance;
  return queued ? { reaction: 'eyes', notice: `${done.notice} (${maintenanceQueuedText(queued.message)})` } : done;
}

function renderDone(who: string, answer: CommandAnswer): RenderedAnswer {
  switch (answer.name) {
    case 'redeploy':
      if (answer.restored)
        return {
          reaction: 'rocket',
          notice: `${who} restored the sandbox; deploying ${short(answer.deployment.commitSha)}.`,
        };
      return {
        reaction: 'rocket',
        notice: `${who} asked for a redeploy of ${short(answer.deployment.commitSha)}${answer.deployment.activateOnSuccess ? '' : ' (without activating it)'}.`,
      };
    case 'restore':
      return {
        reaction: 'rocket',
        notice: `${who} restored the sandbox; deploying ${short(answer.deployment.commitSha)}.`,
      };
    case 'activate':
      return { reaction: 'rocket', notice: `${who} activated appserver ${answer.appserver.number}.` };
    case 'archive':
      if (answer.alreadyArchived)
        return {
          reaction: 'eyes',
          notice: `${who}: the sandbox is archived already; \`/sandbox redeploy\` brings it back.`,
        };
      return { reaction: '+1', notice: `${who} archived the sandbox; \`/sandbox redeploy\` brings it back.` };
    case 'delete':
      return { reaction: '+1', notice: `${who} deleted the sandbox and its data.` };
    case 'cancel':
      return { reaction: '+1', notice: `${who} cancelled ${answer.cancelled} unfinished appserver(s).` };
    case 'status':
      return {
        reaction: 'eyes',
        notice: `${who} asked for the status; this comment shows it as of ${utc(answer.at)} UTC.`,
      };
    case 'logs':
      return {
        reaction: 'eyes',
        notice: `${who}: the ${answer.log === 'runtime' ? 'runtime log' : 'log'} of appserver ${answer.appserver} is on the [status page](${answer.sandbox.statusUrl}).`,
      };
    case 'extend':
      return { reaction: '+1', notice: `${who} extended the sandbox until ${utc(answer.expiresAt)} UTC.` };
    case 'pin':
      return {
        reaction: answer.alreadyPinned ? 'eyes' : '+1',
        notice: answer.alreadyPinned
          ? `${who}: the sandbox is pinned already.`
          : `${who} pinned the sandbox: it never expires; \`/sandbox unpin\` undoes it.`,
      };
    case 'unpin':
      if (!answer.wasPinned) return { reaction: 'eyes', notice: `${who}: the sandbox was not pinned.` };
      return {
        reaction: '+1',
        notice: `${who} unpinned the sandbox; ${answer.expiresAt ? `it expires ${utc(answer.expiresAt)} UTC unless there is activity` : 'it has no expiry'}.`,
      };
    case 'approve':
      if (answer.alreadyApproved)
        return { reaction: 'eyes', notice: `${who}: @${answer.approvedBy} approved ${short(answer.sha)} already.` };
      return {
        reaction: '+1',
        notice: `${who} approved ${short(answer.sha)}; ${answer.waitsForReady ? 'it deploys once it is ready for review' : 'deploying'}. Later commits from the author wait for a new approval.`,
      };
    case 'list':
      return { reaction: 'eyes', notice: `${who}: ${answer.sandboxes.length} sandbox(es).` };
    case 'create':
      return { reaction: 'rocket', notice: `${who} created ${answer.sandbox.slug}.` };
    // Campaigns are started and followed from Slack and the CLI; no PR comment names one.
    case 'campaign':
    case 'campaign_control':
    case 'campaigns':
      return { reaction: 'eyes', notice: `${who}: campaigns are run from Slack (\`/redeploy --tag\`) or \`sbx\`.` };
    case 'task':
      return {
        reaction: answer.exitCode === 0 ? '+1' : 'confused',
        notice: `${who} ran the task \`${answer.task}\` on appserver ${answer.appserver}: exit status ${answer.exitCode}.`,
      };
  }
}

function utc(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

function short(sha: string | null): string {
  return sha ? `\`${sha.slice(0, 7)}\`` : 'the head commit';
}
