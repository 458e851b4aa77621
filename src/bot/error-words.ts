import { randomBytes } from 'node:crypto';
import type { SandboxErrorCode } from '../core/errors';
import { isSandboxError } from '../core/errors';
import { escapeKeepingMentions, type SlackView } from '../infra/slack/blocks';
import type { Logger } from '../infra/logger';

/** The one place Slack turns error codes into words. */
const headings: Record<SandboxErrorCode, string> = {
  config_invalid: ':gear: The bot’s configuration is invalid',
  settings_invalid: ':memo: The sandbox settings are invalid',
  not_permitted: ':no_entry: Not allowed',
  not_found: ':mag: Not found',
  ambiguous: ':thinking_face: That could mean more than one sandbox',
  conflict: ':warning: Not now',
  illegal_transition: ':warning: Not now',
  host_unreachable: ':electric_plug: A host is unreachable',
  no_capacity: ':no_entry_sign: No host has room',
  deploy_failed: ':x: The deploy failed',
  health_check_failed: ':x: The health check failed',
  load_balancer_failed: ':x: The load balancer refused the change',
  database_unavailable: ':floppy_disk: The database is unavailable; try again in a minute',
  maintenance: ':construction: The bot is in maintenance; try again later',
  usage: ':grey_question: Not quite',
};

/** An ephemeral reply for a failed command: the heading for its code and the error's own message. Unknown errors are logged with a reference. */
export function errorReply(error: unknown, logger: Logger): SlackView {
  if (isSandboxError(error)) return { text: `${headings[error.code]}: ${escapeKeepingMentions(error.message)}` };
  const reference = randomBytes(4).toString('hex');
  logger.error({ err: error, reference }, 'slack command failed');
  return { text: `:boom: Something went wrong on the bot’s side (reference \`${reference}\` in the bot log). Nothing was changed unless a message below says so.` };
}
