import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createNodeMiddleware, Probot } from 'probot';
import type { Surface, SurfaceContext, SurfaceFactory } from '../app/surface';
import { findRepositoryPolicy } from '../core/pull-requests/policy';
import { apiBaseUrl, octokitClass } from '../infra/github/github-app';
import { policyFromConfig } from '../infra/github/policy-from-config';
import { BodyTooLargeError, maxRequestBytes, readBody, refuseTooLarge } from '../infra/http/read-body';
import { sendText } from '../infra/http/router';
import { intakeApp } from './intake-app';
import { registerAppRoutes } from './register-app';
import { startWebhookProxy } from './webhook-proxy';

/** Where GitHub posts deliveries (Probot's default path). */
export const webhooksPath = '/api/github/webhooks';

/**
 * The GitHub App surface: webhook intake on the shared HTTP server (verify,
 * record, enqueue, 2xx). Without credentials it offers Probot's
 * register-the-app flow instead (web only). What GitHub is told (check runs,
 * deployments, the sticky comment, reactions) is the outbound adapter's, in
 * src/infra/github.
 */
export const createGitHubSurface: SurfaceFactory = async (context) => {
  const { config, logger, pool, provisioning, github } = context;
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
  // The digest of the body being handled, per request: Probot hands the handler the parsed payload only.
  const bodyDigest = new AsyncLocalStorage<string>();
  const middleware = await createNodeMiddleware(
    intakeApp({
      pool,
      logger,
      appSlug: () => appSlug,
      syncDebounceMs: config.github.sync_debounce,
      watched: (name) => findRepositoryPolicy(policy, name) !== null,
      bodyDigest: () => bodyDigest.getStore() ?? null,
    }),
    { probot: intakeProbot, webhooksPath },
  );
  let proxy: { stop(): void } | null = null;

  return {
    name: 'github',
    registerRoutes(router) {
      router.mount('/api/github', async (req, res) => {
        const next = () => sendText(res, 404, 'not found\n');
        if (!isSignedDelivery(req)) return void (await middleware(req, res, next));
        const body = await readDeliveryBody(req, res);
        if (!body) return;
        await bodyDigest.run(createHash('sha256').update(body).digest('hex'), () => middleware(req, res, next));
      });
    },
    async start() {
      appSlug ??= await github.appSlug();
      if (config.github.webhook_proxy_url)
        proxy = await startWebhookProxy(
          config.github.webhook_proxy_url,
          `http://127.0.0.1:${config.server.port}${webhooksPath}`,
          logger,
        );
      await provisioning.store.enqueue('reconcile_pull_requests', {}, { jobKey: 'reconcile_pull_requests' });
    },
    async stop() {
      proxy?.stop();
    },
  } satisfies Surface;
};

/** A POST to the webhook path with a signature: the only request whose body is read (others are refused by Probot unread). */
function isSignedDelivery(req: IncomingMessage): boolean {
  return (
    req.method === 'POST' &&
    new URL(req.url ?? '/', 'http://local').pathname.replace(/\/+$/, '') === webhooksPath &&
    typeof req.headers['x-hub-signature-256'] === 'string'
  );
}

/**
 * Reads a delivery's raw body, at most GitHub's 25 MB, before Probot
 * verifies it (Probot would read any size); Probot then uses it as read
 * (`rawBody`). Answers 413 itself and returns null when it is larger.
 */
async function readDeliveryBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | null> {
  try {
    const body = await readBody(req, maxRequestBytes);
    Object.assign(req, { rawBody: body, body: {} });
    return body;
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    refuseTooLarge(req, res, error.limit);
    return null;
  }
}

function registrationSurface({ config, logger, env, localToken, db }: SurfaceContext): Surface {
  const envFile = env.SBX_ENV_FILE ?? join(process.cwd(), '.env');
  return {
    name: 'github-registration',
    registerRoutes(router) {
      registerAppRoutes(router, { config, logger, envFile, org: env.GH_ORG ?? null, localToken, db });
    },
    async start() {
      logger.info(
        { url: `${config.public_url}/probot` },
        'the GitHub App is not configured: open this page and enter the setup code (the token of the local sign-in link) to register it, or set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET',
      );
    },
  };
}
