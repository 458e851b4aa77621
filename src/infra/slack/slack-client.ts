import { webApi } from '@slack/bolt';
import type { Logger } from '../logger';
import type { SlackView } from './blocks';

/** What the reporter needs from Slack's Web API. */
export interface SlackPoster {
  /** chat.postMessage (a reply in the thread of `threadTs` when given); returns the message's ts. */
  post(channel: string, view: SlackView, options?: { threadTs?: string }): Promise<string>;
  /** chat.update of a message posted before. */
  update(channel: string, ts: string, view: SlackView): Promise<void>;
}

export interface SlackClientOptions {
  token: string;
  /** Web API base URL (Enterprise proxies, a local fake in tests); default Slack's. */
  apiUrl: string | null;
  logger: Logger;
}

/** Web API options shared by Bolt's client and ours: the base URL (with its trailing slash) and bounded retries. */
export function webClientOptions(apiUrl: string | null): webApi.WebClientOptions {
  return {
    ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    // A report job retries with backoff itself; a call must not hold a worker slot for half an hour.
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
    timeout: 15_000,
  };
}

export function createWebClient(options: SlackClientOptions): webApi.WebClient {
  return new webApi.WebClient(options.token, {
    ...webClientOptions(options.apiUrl),
    logger: boltLogger(options.logger),
  });
}

export function createSlackPoster(client: webApi.WebClient): SlackPoster {
  return {
    async post(channel, view, options = {}) {
      const result = await client.chat.postMessage({
        channel,
        ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
        text: view.text,
        ...(view.blocks ? { blocks: view.blocks } : {}),
        unfurl_links: false,
      });
      if (!result.ts) throw new Error(`chat.postMessage to ${channel} returned no ts`);
      return result.ts;
    },
    async update(channel, ts, view) {
      await client.chat.update({ channel, ts, text: view.text, blocks: view.blocks ?? [] });
    },
  };
}

/** Slack's error code (`channel_not_found`, `invalid_auth`, …) when the Web API refused a call. */
export function slackErrorCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const data = (error as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : null;
}

/** Errors that no retry will fix: the message or channel is gone, or the bot may not post there. */
export const permanentSlackErrors: readonly string[] = [
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'msg_too_long',
  'invalid_blocks',
  'restricted_action',
];

type LogMethod = (...messages: unknown[]) => void;

/** Bolt's and the Web API's logger interface on top of pino. */
export function boltLogger(logger: Logger): {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  setLevel(): void;
  getLevel(): webApi.LogLevel;
  setName(): void;
} {
  const child = logger.child({ component: 'slack' });
  const join = (messages: unknown[]) =>
    messages.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...m) => child.debug(join(m)),
    info: (...m) => child.debug(join(m)),
    warn: (...m) => child.warn(join(m)),
    error: (...m) => child.error(join(m)),
    setLevel: () => undefined,
    getLevel: () => webApi.LogLevel.INFO,
    setName: () => undefined,
  };
}
