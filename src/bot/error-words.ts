import { randomBytes } from 'node:crypto';
import type { SandboxErrorCode } from '../core/errors';
import { isSandboxError } from '../core/errors';
import { escapeKeepingMentions, type SlackView } from '../infra/slack/blocks';
import type { Logger } from '../infra/logger';

/** The one place Slack turns error codes into words: a heading, and the fix that follows the message. */
const words: Record<SandboxErrorCode, { heading: string; fix?: string }> = {
  config_invalid: {
    heading: ':gear: The bot’s configuration is invalid',
    fix: 'an operator must fix sandbox.yml (`sbx config check`)',
  },
  settings_invalid: {
    heading: ':memo: The sandbox settings are invalid',
    fix: 'the pull request’s sandbox comment lists the errors',
  },
  not_permitted: { heading: ':no_entry: Not allowed' },
  over_quota: {
    heading: ':no_entry: Over quota',
    fix: 'archive one of the sandboxes holding the quota; on a pull request a maintainer can also comment `/sandbox approve`',
  },
  awaiting_approval: {
    heading: ':hourglass: Waiting for approval',
    fix: 'a maintainer approves it with a `/sandbox approve` comment on the pull request',
  },
  force_required: { heading: ':warning: Are you sure?', fix: 'repeat the command with `--force` if you mean it' },
  not_found: { heading: ':mag: Not found' },
  ambiguous: { heading: ':thinking_face: That could mean more than one sandbox' },
  conflict: { heading: ':warning: Not now' },
  illegal_transition: { heading: ':warning: Not now' },
  host_unreachable: { heading: ':electric_plug: A host is unreachable' },
  no_capacity: { heading: ':no_entry_sign: No host has room' },
  deploy_failed: { heading: ':x: The deploy failed', fix: '`/sandbox logs` shows the log' },
  health_check_failed: { heading: ':x: The health check failed', fix: '`/sandbox logs` shows the log' },
  load_balancer_failed: { heading: ':x: The load balancer refused the change' },
  dns_failed: { heading: ':x: The DNS provider refused the change' },
  database_unavailable: { heading: ':floppy_disk: The database is unavailable; try again in a minute' },
  maintenance: { heading: ':construction: The bot is in maintenance; try again later' },
  usage: { heading: ':grey_question: Not quite', fix: '`/sandbox help` lists the commands' },
};

/** An ephemeral reply for a failed command: the heading for its code and the error's own message. Unknown errors are logged with a reference. */
export function errorReply(error: unknown, logger: Logger): SlackView {
  if (isSandboxError(error)) {
    const { heading, fix } = words[error.code];
    return { text: `${heading}: ${escapeKeepingMentions(error.message)}${fix ? `; ${fix}` : ''}` };
  }
  const reference = randomBytes(4).toString('hex');
  logger.error({ err: error, reference }, 'slack command failed');
  return {
    text: `:boom: Something went wrong on the bot’s side (reference \`${reference}\` in the bot log). Nothing was changed unless a message below says so.`,
  };
}
