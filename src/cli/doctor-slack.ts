import { webApi } from '@slack/bolt';
import { selectSlackMode } from '../infra/slack/slack-mode';
import { slackErrorCode, webClientOptions } from '../infra/slack/slack-client';
import type { CheckResult, DoctorCheck } from './doctor-check';

/** What to do about the errors auth.test and apps.connections.open give for bad tokens. */
const hints: Record<string, string> = {
  invalid_auth:
    'the token is wrong or was revoked: copy it again from the Slack app (OAuth & Permissions, or Basic Information for xapp-…)',
  not_authed: 'no token reached Slack; check the variable is set in the bot’s environment',
  account_inactive: 'the app was uninstalled or the workspace deactivated it: reinstall the app',
  token_revoked: 'the token was revoked: reinstall the app and copy the new token',
  not_allowed_token_type:
    'this is not the right kind of token: SLACK_BOT_TOKEN takes xoxb-…, SLACK_APP_TOKEN takes xapp-… (connections:write)',
};

/**
 * The Slack tokens work: auth.test with the bot token, and (Socket Mode)
 * apps.connections.open with the app-level token. Skipped when Slack is off.
 */
export const checkSlackTokens: DoctorCheck = async ({ config }) => {
  const mode = selectSlackMode(config.slack);
  if (mode.kind === 'off') return [{ check: 'Slack token', status: 'skip', detail: `Slack is off: ${mode.reason}` }];
  // The check reports failures itself; the client's own console warnings would only repeat them.
  const options = {
    ...webClientOptions(config.slack.api_url),
    retryConfig: { retries: 0 },
    timeout: 10_000,
    logLevel: webApi.LogLevel.ERROR,
  };
  const results: CheckResult[] = [];
  try {
    const auth = await new webApi.WebClient(mode.botToken, options).auth.test();
    results.push({
      check: 'Slack token',
      status: 'ok',
      detail: `auth.test: ${auth.user ?? auth.user_id ?? 'bot'} in ${auth.team ?? auth.team_id ?? 'the workspace'} (${mode.kind === 'socket' ? 'Socket Mode' : 'HTTP at /slack/events'})`,
    });
  } catch (error) {
    results.push(failure('Slack token', 'SLACK_BOT_TOKEN', error, config.slack.api_url));
  }
  if (mode.kind === 'socket') {
    try {
      await new webApi.WebClient(undefined, {
        ...options,
        headers: { Authorization: `Bearer ${mode.appToken}` },
      }).apps.connections.open();
      results.push({
        check: 'Slack app token',
        status: 'ok',
        detail: 'apps.connections.open: Socket Mode can connect',
      });
    } catch (error) {
      results.push(failure('Slack app token', 'SLACK_APP_TOKEN', error, config.slack.api_url));
    }
  }
  return results;
};

function failure(check: string, variable: string, error: unknown, apiUrl: string | null): CheckResult {
  const code = slackErrorCode(error);
  if (code)
    return {
      check,
      status: 'fail',
      detail: `Slack refused ${variable}: ${code}`,
      hint: hints[code] ?? `see https://api.slack.com/methods for "${code}"`,
    };
  return {
    check,
    status: 'fail',
    detail: `cannot reach Slack at ${apiUrl ?? 'https://slack.com/api/'}: ${error instanceof Error ? error.message : String(error)}`,
    hint: 'check the network (and SLACK_API_URL, if set)',
  };
}
