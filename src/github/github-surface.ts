import { join } from 'node:path';
import { createNodeMiddleware, Probot } from 'probot';
import type { Surface, SurfaceContext, SurfaceFactory } from '../app/surfaces';
import { findRepositoryPolicy } from '../core/pull-requests/policy';
import { createPullRequestRecords } from '../infra/db/pull-request-records';
import { apiBaseUrl, createGitHubApp, octokitClass } from '../infra/github/github-app';
import { policyFromConfig } from '../infra/github/policy-from-config';
import { requestReport } from '../jobs/tasks/report-pull-request';
import { sendText } from '../web/router';
import { intakeApp } from './intake-app';
import { registerAppRoutes } from './register-app';
import { startWebhookProxy } from './webhook-proxy';

/** Where GitHub posts deliveries (Probot's default path). */
export const webhooksPath = '/api/github/webhooks';

/**
 * The GitHub App surface: webhook intake on the shared HTTP server, the
 * reporter that keeps check runs, deployments and the sticky comment
 * current, and API access for the pull request jobs. Without credentials it
 * offers Probot's register-the-app flow instead (web only).
 */
export const createGitHubSurface: SurfaceFactory = async (context) => {
  const { config, logger, pool, provisioning } = context;
  const github = createGitHubApp(config, logger);
  if (!github) return config.github.app_id ? null : registrationSurface(context);

  // Webhook intake never calls the API: its Octokit needs neither throttling nor retries.
  const intakeProbot = new Probot({
    appId: config.github.app_id!,
    privateKey: config.github.private_key!,
    secret: config.github.webhook_secret!,
    baseUrl: apiBaseUrl(config),
    Octokit: octokitClass(false),
    log: logger.child({ name: 'github-webhooks' }),
  });
  let appSlug: string | null = config.github.app_slug;
  const policy = policyFromConfig(config);
  const middleware = await createNodeMiddleware(
    intakeApp({ pool, logger, appSlug: () => appSlug, syncDebounceMs: config.github.sync_debounce, watched: (name) => findRepositoryPolicy(policy, name) !== null }),
    { probot: intakeProbot, webhooksPath },
  );
  const records = createPullRequestRecords(context.db);
  let proxy: { stop(): void } | null = null;

  return {
    name: 'github',
    github,
    reporter: {
      name: 'github',
      async report(instanceId) {
        const record = await records.findByInstance(instanceId);
        if (record) await requestReport(provisioning.store, record.id);
      },
    },
    registerRoutes(router) {
      router.mount('/api/github', async (req, res) => {
        await middleware(req, res, () => sendText(res, 404, 'not found\n'));
      });
    },
    async start() {
      appSlug ??= await github.appSlug();
      if (config.github.webhook_proxy_url) proxy = await startWebhookProxy(config.github.webhook_proxy_url, `http://127.0.0.1:${config.server.port}${webhooksPath}`, logger);
      await provisioning.store.enqueue('reconcile_pull_requests', {}, { jobKey: 'reconcile_pull_requests' });
    },
    async stop() {
      proxy?.stop();
    },
  } satisfies Surface;
};

function registrationSurface({ config, logger, env }: SurfaceContext): Surface {
  const envFile = env.SBX_ENV_FILE ?? join(process.cwd(), '.env');
  return {
    name: 'github-registration',
    registerRoutes(router) {
      registerAppRoutes(router, { config, logger, envFile, org: env.GH_ORG ?? null });
    },
    async start() {
      logger.info({ url: `${config.public_url}/probot` }, 'the GitHub App is not configured: open this page to register it (or set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET)');
    },
  };
}
