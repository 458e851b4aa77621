import { sandboxLinks } from '../config/sandbox-links';
import type { SurfaceFactory } from '../app/surfaces';
import { createSlackMessageRepo } from '../infra/slack/slack-message-repo';
import { createSlackPoster, createWebClient, slackErrorCode } from '../infra/slack/slack-client';
import { createSlackReporter } from '../infra/slack/slack-reporter';
import { sendText } from '../web/router';
import { createSlackApp, slackEventsPath } from './create-slack-app';
import { createSlackGuard } from './guard-slack-request';
import type { SlackDeps } from './deps';
import { createPermissions } from './permissions';
import { registerListeners } from './register-listeners';
import { selectSlackMode } from './slack-mode';

/** Slack gives 3 s; leave room for the network. */
const ackDeadlineMs = 2_500;
const reconnectDelayMs = 30_000;

/**
 * The Slack app: slash commands and buttons (HTTP at /slack/events on the
 * shared server, or Socket Mode), and the reporter that keeps progress and
 * notification messages current. Null when Slack is not configured.
 */
export const createSlackSurface: SurfaceFactory = async ({ config, logger, db, provisioning }) => {
  const mode = selectSlackMode(config.slack);
  if (mode.kind === 'off') return null;
  const log = logger.child({ surface: 'slack' });
  const client = createWebClient({ token: mode.botToken, apiUrl: config.slack.api_url, logger: log });
  const messages = createSlackMessageRepo(db);
  const links = sandboxLinks(config);
  const permissions = createPermissions({
    rules: config.slack.permissions,
    groupMembers: async (usergroup) => (await client.usergroups.users.list({ usergroup })).users ?? [],
  });
  const deps: SlackDeps = { config, db, store: provisioning.store, messages, permissions, links, logger: log, ackDeadlineMs };
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
        log.error({ err: error, slackError: slackErrorCode(error) }, `slack app could not start (auth.test or Socket Mode); retrying in ${reconnectDelayMs / 1000}s; check the Slack tokens with \`sbx doctor\``);
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
    reporter: createSlackReporter({ store: provisioning.store, messages, poster: createSlackPoster(client), links, notificationChannel: config.slack.channels.failures, logger: log }),
    registerRoutes(router) {
      const listener = slack.requestListener;
      if (!listener || mode.kind !== 'http') return;
      const guard = createSlackGuard({ signingSecret: mode.signingSecret, db });
      router.mount(slackEventsPath, async (req, res) => {
        if (!connected) return sendText(res, 503, 'the Slack app is not connected yet (auth.test failed or pending); see the bot log\n');
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
