import type { SurfaceFactory } from '../app/surface';
import { createSlackMessageRepo } from '../infra/db/slack-message-repo';
import { sendText } from '../infra/http/router';
import { createWebClient, slackErrorCode } from '../infra/slack/slack-client';
import { createSlackApp, slackEventsPath } from './create-slack-app';
import { createSlackGuard } from './guard-slack-request';
import type { SlackDeps } from './deps';
import { createPermissions } from './permissions';
import { registerListeners } from './register-listeners';
import { selectSlackMode } from '../infra/slack/slack-mode';

/** Slack gives 3 s; leave room for the network. */
const ackDeadlineMs = 2_500;
const reconnectDelayMs = 30_000;

/**
 * The Slack app: slash commands and buttons (HTTP at /slack/events on the
 * shared server, or Socket Mode). Null when Slack is not configured. The
 * messages that follow progress are the outbound adapter's
 * (src/infra/slack/slack-reporter.ts, built by src/app/reporters.ts).
 */
export const createSlackSurface: SurfaceFactory = async ({ config, logger, db, provisioning, commands }) => {
  const mode = selectSlackMode(config.slack);
  if (mode.kind === 'off') return null;
  const log = logger.child({ surface: 'slack' });
  const client = createWebClient({ token: mode.botToken, apiUrl: config.slack.api_url, logger: log });
  const messages = createSlackMessageRepo(db);
  const permissions = createPermissions({
    rules: config.slack.permissions,
    groupMembers: async (usergroup) => (await client.usergroups.users.list({ usergroup })).users ?? [],
  });
  const deps: SlackDeps = {
    config,
    db,
    store: provisioning.store,
    commands,
    messages,
    permissions,
    logger: log,
    ackDeadlineMs,
  };
  const slack = createSlackApp(mode, { apiUrl: config.slack.api_url, logger: log });
  registerListeners(slack.app, deps);

  let connected = false;
  let stopped = false;
  let retry: NodeJS.Timeout | null = null;
  let connecting: Promise<void> | null = null;
  const connect = () => {
    connecting ??= slack
      .connect()
      .then(() => {
        connected = true;
        log.info({ mode: mode.kind }, 'slack app connected');
      })
      .catch((error: unknown) => {
        if (stopped) return;
        log.error(
          { err: error, slackError: slackErrorCode(error) },
          `slack app could not start (auth.test or Socket Mode); retrying in ${reconnectDelayMs / 1000}s; check the Slack tokens with \`sbx doctor\``,
        );
        retry = setTimeout(() => {
          retry = null;
          void connect();
        }, reconnectDelayMs);
      })
      .finally(() => {
        connecting = null;
      });
    return connecting;
  };

  return {
    name: 'slack',
    registerRoutes(router) {
      const listener = slack.requestListener;
      if (!listener || mode.kind !== 'http') return;
      const guard = createSlackGuard({ signingSecret: mode.signingSecret, db });
      router.mount(slackEventsPath, async (req, res) => {
        if (!connected)
          return sendText(
            res,
            503,
            'the Slack app is not connected yet (auth.test failed or pending); see the bot log\n',
          );
        if (await guard(req, res)) return;
        listener(req, res);
      });
    },
    async start() {
      await connect();
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = null;
      await connecting;
      await slack.disconnect();
    },
  };
};
