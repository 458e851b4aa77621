import type { Config } from '../../config/schema';

/** How the Slack app receives commands and clicks, decided from the configuration alone. */
export type SlackMode =
  | { kind: 'socket'; botToken: string; appToken: string }
  | { kind: 'http'; botToken: string; signingSecret: string }
  | { kind: 'off'; reason: string };

/**
 * Socket Mode when an app-level token (xapp-…) is set: the bot dials out to
 * Slack, so no public URL is needed. Otherwise HTTP at /slack/events,
 * verified with the signing secret. Without a bot token, or with neither of
 * the two, Slack is off and the rest of the bot runs.
 */
export function selectSlackMode(slack: Config['slack']): SlackMode {
  if (!slack.bot_token)
    return {
      kind: 'off',
      reason: 'set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)',
    };
  if (slack.app_token) return { kind: 'socket', botToken: slack.bot_token, appToken: slack.app_token };
  if (slack.signing_secret) return { kind: 'http', botToken: slack.bot_token, signingSecret: slack.signing_secret };
  return {
    kind: 'off',
    reason: 'SLACK_BOT_TOKEN is set, but neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN (Socket Mode)',
  };
}
