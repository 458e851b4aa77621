import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { boltLogger, webClientOptions } from '../infra/slack/slack-client';
import type { Logger } from '../infra/logger';
import type { SlackMode } from '../infra/slack/slack-mode';

/** The path Slack posts commands and clicks to in HTTP mode. */
export const slackEventsPath = '/slack/events';

export interface SlackApp {
  app: App;
  mode: 'http' | 'socket';
  /** The HTTP receiver's listener, mounted on the shared server (HTTP mode only). */
  requestListener: ((req: IncomingMessage, res: ServerResponse) => void) | null;
  /** auth.test, then (Socket Mode) the WebSocket connection. */
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * A Bolt app on the receiver the mode asks for. Initialization is deferred:
 * worker-only processes build the surface without ever calling Slack, and
 * web processes call `connect()` once the server listens. No conversation
 * store: the bot keeps no per-conversation state (and two replicas could
 * not share it).
 */
export function createSlackApp(
  mode: Exclude<SlackMode, { kind: 'off' }>,
  options: { apiUrl: string | null; logger: Logger },
): SlackApp {
  const logger = boltLogger(options.logger);
  const clientOptions = webClientOptions(options.apiUrl);
  if (mode.kind === 'http') {
    const receiver = new HTTPReceiver({ signingSecret: mode.signingSecret, endpoints: [slackEventsPath], logger });
    const app = new App({
      token: mode.botToken,
      receiver,
      deferInitialization: true,
      clientOptions,
      logger,
      convoStore: false,
    });
    return {
      app,
      mode: 'http',
      requestListener: receiver.requestListener,
      connect: () => app.init(),
      disconnect: async () => undefined,
    };
  }
  const receiver = new SocketModeReceiver({ appToken: mode.appToken, logger, installerOptions: { clientOptions } });
  const app = new App({
    token: mode.botToken,
    receiver,
    deferInitialization: true,
    clientOptions,
    logger,
    convoStore: false,
  });
  let started = false;
  return {
    app,
    mode: 'socket',
    requestListener: null,
    async connect() {
      await app.init();
      await app.start();
      started = true;
    },
    async disconnect() {
      if (started) await app.stop();
      started = false;
    },
  };
}
