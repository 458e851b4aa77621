import { createHmac } from 'node:crypto';

export interface SlackHttpAnswer {
  status: number;
  text: string;
  json: Record<string, unknown> | null;
}

/** Slack's request signature: `v0=` + HMAC-SHA256(secret, `v0:<timestamp>:<raw body>`). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Sign with this secret instead (a wrong signature). */
  signWith?: string;
  /** Leave out the signature headers. */
  unsigned?: boolean;
}

/** POSTs a form body to the bot's /slack/events the way Slack does, signed with the secret. */
export async function postToSlack(
  url: string,
  secret: string,
  form: Record<string, string>,
  options: SendOptions = {},
): Promise<SlackHttpAnswer> {
  const body = new URLSearchParams(form).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (!options.unsigned) {
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = slackSignature(options.signWith ?? secret, timestamp, body);
  }
  const response = await fetch(`${url}/slack/events`, { method: 'POST', headers, body });
  const text = await response.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    json = null;
  }
  return { status: response.status, text, json };
}

export interface SlashCommand {
  command: string;
  text: string;
  user?: string;
  channel?: string;
  responseUrl: string;
}

/** The form fields of a slash command. */
export function slashCommandForm(command: SlashCommand): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T0TEST',
    team_domain: 'test',
    channel_id: command.channel ?? 'C0DEPLOYS',
    channel_name: 'deploys',
    user_id: command.user ?? 'U0ALICE',
    user_name: 'alice',
    command: command.command,
    text: command.text,
    api_app_id: 'A0APP',
    response_url: command.responseUrl,
    trigger_id: '1.2.3',
  };
}

/** The form field of a button click (block_actions). */
export function buttonClickForm(click: {
  actionId: string;
  value?: string;
  url?: string;
  user?: string;
  channel?: string;
  responseUrl: string;
}): Record<string, string> {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0TEST', domain: 'test' },
    user: { id: click.user ?? 'U0ALICE', username: 'alice', team_id: 'T0TEST' },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: '1700000000.000100',
      channel_id: click.channel ?? 'C0DEPLOYS',
      is_ephemeral: false,
    },
    trigger_id: '1.2.3',
    channel: { id: click.channel ?? 'C0DEPLOYS', name: 'deploys' },
    message: { ts: '1700000000.000100', text: 'a message' },
    response_url: click.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: click.actionId,
        block_id: 'b1',
        text: { type: 'plain_text', text: 'x' },
        ...(click.value === undefined ? {} : { value: click.value }),
        ...(click.url ? { url: click.url } : {}),
        action_ts: '1700000001.000200',
      },
    ],
  };
  return { payload: JSON.stringify(payload) };
}
