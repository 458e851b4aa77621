import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Config } from '../config/schema';
import type { Db } from '../infra/db/database';
import { claimOnce } from '../infra/db/system-flags';
import type { LocalToken } from '../infra/local-token';
import type { Logger } from '../infra/logger';
import { projectRoot } from '../infra/project-root';
import { html, page } from '../infra/http/html';
import { drainRefused } from '../infra/http/read-body';
import { FormError, readForm } from '../infra/http/read-form';
import { sendHtml, sendText, type Router } from '../infra/http/router';

export interface RegisterOptions {
  config: Config;
  logger: Logger;
  /** Where the credentials are written (`.env` in the working directory by default). */
  envFile: string;
  /** `GH_ORG`: register the App for this organization instead of the signed-in user. */
  org: string | null;
  /** The local operator's token, which is the setup code (shared by the processes of one machine, or SBX_LOCAL_TOKEN). */
  localToken: LocalToken;
  /** Where a used state is remembered (every replica refuses it again). */
  db: Db;
  fetch?: typeof fetch;
}

/** The web root of GitHub (or GitHub Enterprise) for the App creation page. */
function webRoot(config: Config): string {
  return config.github.ghe_host ? `${config.github.ghe_protocol}://${config.github.ghe_host}` : 'https://github.com';
}

function apiRoot(config: Config): string {
  return config.github.ghe_host ? `${webRoot(config)}/api/v3` : 'https://api.github.com';
}

/** The App manifest: app.yml with the URLs of this bot filled in. */
export function buildManifest(config: Config): Record<string, unknown> {
  const file = join(projectRoot(), 'app.yml');
  const manifest = (existsSync(file) ? parseYaml(readFileSync(file, 'utf8')) : {}) as Record<string, unknown>;
  const publicUrl = config.public_url!;
  return {
    ...manifest,
    url: manifest.url ?? publicUrl,
    hook_attributes: { url: config.github.webhook_proxy_url ?? `${publicUrl}/api/github/webhooks` },
    redirect_url: `${publicUrl}/probot/setup`,
  };
}

/**
 * Probot's register-the-app flow on the bot's own server, for a first start
 * without credentials. Whoever completes it decides which App's keys the bot
 * trusts, so it opens only with the setup code, which is the local
 * operator's token (in the link the bot prints at start, `sbx auth local`
 * and `sbx doctor`): `/probot` asks for the code; with it, the
 * page posts app.yml as a manifest to GitHub;
 * GitHub sends the browser back to `/probot/setup?code=…`, whose code is
 * exchanged for the App's id, key and secrets, stored in `.env`. Restart
 * the bot afterwards (it reads `.env` at start).
 */
export function registerAppRoutes(router: Router, options: RegisterOptions): void {
  const { config, logger } = options;
  // The state GitHub sends back is signed with the token: any web process of the bot accepts it, none keeps it in memory.
  const sign = (nonce: string) =>
    createHmac('sha256', options.localToken.current()).update(`probot-state:${nonce}`).digest('base64url');
  const validState = (state: string) => {
    const [nonce, mac] = state.split('.');
    if (!nonce || !mac) return false;
    const [a, b] = [Buffer.from(mac), Buffer.from(sign(nonce))];
    return a.length === b.length && timingSafeEqual(a, b);
  };

  router.get('/probot', (_req, res) => sendHtml(res, 200, setupCodePage(null)));

  router.post('/probot', async (req, res) => {
    let form: URLSearchParams;
    try {
      form = await readForm(req);
    } catch (error) {
      if (!(error instanceof FormError)) throw error;
      sendText(res, error.status, `${error.message}\n`);
      return drainRefused(req);
    }
    if (!options.localToken.check(form.get('setup_code'))) {
      logger.warn({ ip: req.socket.remoteAddress }, 'GitHub App registration refused: wrong setup code');
      return sendHtml(
        res,
        403,
        setupCodePage(
          'That is not the setup code. It is the token in the local sign-in link the bot printed at start; `sbx auth local` prints it.',
        ),
      );
    }
    // A state is handed out only with the right code, so /probot/setup needs no code of its own.
    const nonce = randomBytes(16).toString('hex');
    const state = `${nonce}.${sign(nonce)}`;
    const action = `${webRoot(config)}${options.org ? `/organizations/${encodeURIComponent(options.org)}` : ''}/settings/apps/new?state=${state}`;
    const manifest = JSON.stringify(buildManifest(config));
    sendHtml(
      res,
      200,
      page(
        'Register the GitHub App',
        html`
<h2>Register the GitHub App</h2>
<p>The bot has no GitHub App credentials yet. Register an App from <code>app.yml</code> in one step: GitHub asks you to confirm its name, then sends you back here, and the bot stores the App's id, private key and webhook secret in <code>${options.envFile}</code>.</p>
<form method="post" action="${action}"><input type="hidden" name="manifest" value="${manifest}"><button type="submit">Register the GitHub App on ${webRoot(config)}</button></form>
<p class="muted">Already registered? Set <code>APP_ID</code>, <code>PRIVATE_KEY</code> (or <code>PRIVATE_KEY_PATH</code>) and <code>WEBHOOK_SECRET</code> and restart.</p>`,
      ),
    );
  });

  router.get('/probot/setup', async (req, res) => {
    const query = new URL(req.url ?? '/', 'http://local').searchParams;
    const code = query.get('code');
    const state = query.get('state');
    if (!code || !/^[\w-]{1,200}$/.test(code))
      return sendText(res, 400, 'code missing or invalid; start again at /probot\n');
    if (
      !state ||
      !validState(state) ||
      !(await claimOnce(options.db, `github_registration_state:${state.split('.')[0]}`))
    )
      return sendText(res, 400, 'unknown state; start again at /probot\n');
    const answer = await (options.fetch ?? fetch)(`${apiRoot(config)}/app-manifests/${code}/conversions`, {
      method: 'POST',
      headers: { accept: 'application/vnd.github+json' },
    });
    if (!answer.ok)
      return sendText(
        res,
        502,
        `GitHub refused the registration code (HTTP ${answer.status}); start again at /probot\n`,
      );
    const app = (await answer.json()) as {
      id: number;
      slug?: string;
      html_url: string;
      pem: string;
      webhook_secret: string;
      client_id?: string;
      client_secret?: string;
    };
    updateEnvFile(options.envFile, {
      APP_ID: String(app.id),
      PRIVATE_KEY: app.pem,
      WEBHOOK_SECRET: app.webhook_secret,
      ...(app.slug ? { APP_SLUG: app.slug } : {}),
      ...(app.client_id ? { GITHUB_CLIENT_ID: app.client_id } : {}),
      ...(app.client_secret ? { GITHUB_CLIENT_SECRET: app.client_secret } : {}),
    });
    logger.info(
      { app: app.slug ?? app.id, envFile: options.envFile },
      'GitHub App registered and stored; restart the bot to use it',
    );
    res.writeHead(302, { location: `${app.html_url}/installations/new` }).end();
  });
}

function setupCodePage(problem: string | null): string {
  return page(
    'Register the GitHub App',
    html`
<h2>Register the GitHub App</h2>
${problem ? html`<div class="error" role="alert"><p>${problem}</p></div>` : ''}
<p>The bot has no GitHub App credentials yet. To register one, enter the setup code: the token in the local sign-in link the bot printed when it started (<code>/auth/local?token=…</code>), also printed by <code>sbx auth local</code> and <code>sbx doctor</code>.</p>
<form method="post" action="/probot"><label>Setup code <input name="setup_code" autocomplete="off" required></label> <button type="submit">Continue</button></form>
<p class="muted">Already registered? Set <code>APP_ID</code>, <code>PRIVATE_KEY</code> (or <code>PRIVATE_KEY_PATH</code>) and <code>WEBHOOK_SECRET</code> and restart.</p>`,
  );
}

/** Sets keys in an env file, keeping every other line; multi-line values are double-quoted. */
export function updateEnvFile(path: string, values: Record<string, string>): void {
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const key = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (key === undefined || !(key in values)) {
      kept.push(line);
      continue;
    }
    const value = line.slice(line.indexOf('=') + 1).trim();
    // An old multi-line quoted value: skip its lines up to the closing quote.
    if (value.startsWith('"') && !/^"[^"]*"\s*(#.*)?$/.test(value)) {
      while (i + 1 < lines.length) {
        i += 1;
        if (lines[i]!.includes('"')) break;
      }
    }
  }
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  const added = Object.entries(values).map(
    ([key, value]) => `${key}=${/^[\w./:@-]*$/.test(value) ? value : `"${value.replace(/\n+$/, '')}"`}`,
  );
  writeFileSync(path, `${[...kept, ...added].join('\n')}\n`, { mode: 0o600 });
}
