import type { IncomingMessage, ServerResponse } from 'node:http';
import { readCookies, setCookie } from '../http/cookies';
import { drainRefused } from '../../infra/http/read-body';
import { FormError, readForm } from '../../infra/http/read-form';
import { sendProblem } from '../error-words';
import type { Router } from '../../infra/http/router';
import type { StatusDeps } from '../status-deps';
import { groupsToCheck, maySignIn } from './access';
import { authorizeUrl, exchangeCode, fetchLogin, findMemberships, githubEndpoints, SignInError } from './github-oauth';
import { randomToken, sameText } from './signed-values';

const oauthCookie = 'sbx_oauth';
const oauthTtlMs = 10 * 60_000;

// Control characters (browsers drop tabs and newlines from a Location, turning `/\t/evil` into `//evil`) and backslashes (read as `/`).
const unsafeInPath = { test: (text: string) => [...text].some((c) => c <= '\u001f' || c === '\u007f' || c === '\\') };

/**
 * Only paths on this site: `/sandboxes/x?appserver=2` stays; `//evil.example`,
 * `/\t/evil.example`, `https://evil.example`, `javascript:…` and anything
 * else that is not a same-origin path become `/`. The value is resolved
 * against `public_url` the way a browser would, and its origin compared.
 */
export function safeReturnPath(value: string | null | undefined, publicUrl: string): string {
  if (!value || !value.startsWith('/') || unsafeInPath.test(value)) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return '/';
  }
  if (unsafeInPath.test(decoded)) return '/';
  const base = new URL(publicUrl);
  const target = new URL(value, base);
  if (target.origin !== base.origin) return '/';
  const path = `${target.pathname}${target.search}${target.hash}`;
  return path.startsWith('//') ? '/' : path;
}

function redirect(res: ServerResponse, status: 302 | 303, location: string): void {
  res.writeHead(status, { location, 'cache-control': 'no-store', 'content-length': 0 });
  res.end();
}

/** GitHub sign-in (the App's OAuth web flow), limited to the configured orgs and teams; sign-out. */
export function registerAuthRoutes(router: Router, deps: StatusDeps): void {
  const { config, auth } = deps;
  const endpoints = githubEndpoints(config.github);
  const publicUrl = config.public_url ?? `http://localhost:${config.server.port}`;
  const redirectUri = `${publicUrl}/auth/callback`;
  const clientId = config.github.client_id;
  const clientSecret = config.github.client_secret;
  const allowedGroups = [...config.web.auth.orgs, ...config.web.auth.teams];

  router.get('/auth/sign-in', (req, res) => {
    if (!clientId || !clientSecret) {
      sendProblem(
        res,
        503,
        'Sign-in is not configured',
        'Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the GitHub App’s OAuth client) and web.auth.orgs or web.auth.teams in sandbox.yml. On the bot’s own machine, the local operator link it printed at start (`sbx auth local`) signs you in meanwhile.',
        { back: '/' },
      );
      return;
    }
    if (allowedGroups.length === 0) {
      sendProblem(
        res,
        503,
        'Sign-in is not configured',
        'No one may sign in yet: list the GitHub orgs or org/team slugs whose members may sign in under web.auth.orgs or web.auth.teams in sandbox.yml.',
        { back: '/' },
      );
      return;
    }
    const state = randomToken();
    const returnTo = safeReturnPath(new URL(req.url ?? '/', 'http://local').searchParams.get('return_to'), publicUrl);
    setCookie(res, oauthCookie, auth.values.seal('oauth', { state, returnTo }, oauthTtlMs), {
      path: '/auth',
      maxAge: oauthTtlMs / 1000,
      secure: auth.secure,
    });
    redirect(res, 302, authorizeUrl(endpoints, { clientId, redirectUri, state }));
  });

  router.get('/auth/callback', async (req, res) => {
    const query = new URL(req.url ?? '/', 'http://local').searchParams;
    const pending = auth.values.open<{ state: string; returnTo: string }>('oauth', readCookies(req).get(oauthCookie));
    setCookie(res, oauthCookie, '', { path: '/auth', maxAge: 0, secure: auth.secure });
    const state = query.get('state');
    if (!pending || !state || !sameText(state, pending.state)) {
      sendProblem(res, 400, 'Sign-in expired', 'This sign-in link is stale or was not started here; sign in again.', {
        back: '/auth/sign-in',
      });
      return;
    }
    if (query.get('error')) {
      sendProblem(
        res,
        403,
        'Sign-in cancelled',
        `GitHub said: ${query.get('error_description') ?? query.get('error')}`,
        { back: '/' },
      );
      return;
    }
    const code = query.get('code');
    if (!code || !clientId || !clientSecret) {
      sendProblem(res, 400, 'Sign-in failed', 'GitHub sent no code back; sign in again.', { back: '/auth/sign-in' });
      return;
    }
    try {
      const token = await exchangeCode(endpoints, { clientId, clientSecret, code, redirectUri });
      const login = await fetchLogin(endpoints, token);
      const memberOf = await findMemberships(endpoints, token, login, groupsToCheck(config.web.auth));
      if (!maySignIn(config.web.auth, memberOf)) {
        await deps.store.recordAudit({
          actor: login,
          surface: 'web',
          action: 'sign_in',
          result: 'refused',
          detail: { reason: 'not a member' },
        });
        sendProblem(
          res,
          403,
          'Not allowed',
          `@${login} is not an active member of ${allowedGroups.join(', ')}; ask an owner to add you, then sign in again.`,
          { back: '/' },
        );
        return;
      }
      auth.startSession(res, { login, memberOf, sid: randomToken() });
      await deps.store.recordAudit({
        actor: login,
        surface: 'web',
        action: 'sign_in',
        result: 'ok',
        detail: { memberOf },
      });
      redirect(res, 303, safeReturnPath(pending.returnTo, publicUrl));
    } catch (error) {
      if (
        !(error instanceof SignInError) &&
        !(error instanceof Error && error.name === 'TimeoutError') &&
        !(error instanceof TypeError)
      )
        throw error;
      deps.logger.warn({ err: error }, 'sign-in failed');
      const message =
        error instanceof SignInError ? error.message : 'GitHub could not be reached; try again in a moment.';
      sendProblem(res, 502, 'Sign-in failed', message, { back: '/' });
    }
  });

  router.get('/auth/local', async (req, res) => {
    const token = auth.localToken;
    if (!token) {
      sendProblem(res, 404, 'Not found', 'Local sign-in is not available here.', { back: '/' });
      return;
    }
    if (!isOwnOrigin(req.headers.host, publicUrl)) {
      sendProblem(
        res,
        403,
        'Refused',
        `The local sign-in link works only on the bot’s own address (${publicUrl} or localhost).`,
        { back: '/' },
      );
      return;
    }
    if (!token.check(new URL(req.url ?? '/', 'http://local').searchParams.get('token'))) {
      await deps.store.recordAudit({
        actor: 'local-operator',
        surface: 'web',
        action: 'sign_in',
        result: 'refused',
        detail: { via: 'local link', reason: 'not the current token' },
      });
      sendProblem(
        res,
        403,
        'That link is not current',
        'The local sign-in token was rotated or mistyped: `sbx auth local` prints the current link.',
        { back: '/' },
      );
      return;
    }
    auth.startSession(res, { login: 'local-operator', memberOf: [], sid: randomToken(), local: token.fingerprint() });
    await deps.store.recordAudit({
      actor: 'local-operator',
      surface: 'web',
      action: 'sign_in',
      result: 'ok',
      detail: { via: 'local link' },
    });
    // The token leaves the address bar at once and is never sent on as a referrer.
    res.setHeader('referrer-policy', 'no-referrer');
    redirect(res, 303, '/');
  });

  router.post('/auth/sign-out', async (req, res) => {
    const session = auth.session(req);
    const form = await readFormOrProblem(req, res);
    if (!form) return;
    if (session && !auth.checkCsrf(session, form.get('_csrf'))) {
      sendProblem(
        res,
        403,
        'Refused',
        'The form was stale or not sent from this site; reload the page and try again.',
        { back: '/' },
      );
      return;
    }
    auth.endSession(res);
    redirect(res, 303, '/');
  });
}

/** Reads a form, answering 4xx itself when it is not one. */
export async function readFormOrProblem(req: IncomingMessage, res: ServerResponse): Promise<URLSearchParams | null> {
  try {
    return await readForm(req);
  } catch (error) {
    if (!(error instanceof FormError)) throw error;
    sendProblem(res, error.status, 'Invalid form', error.message);
    if (error.status === 413) drainRefused(req);
    return null;
  }
}

/**
 * The request was made to the bot itself: its `public_url` host, or a
 * loopback name (the link printed at start). Not a sandbox domain served by
 * the builtin load balancer on the same port, nor a DNS name rebound to it.
 */
export function isOwnOrigin(host: string | undefined, publicUrl: string): boolean {
  if (!host) return false;
  const given = host.toLowerCase();
  if (given === new URL(publicUrl).host.toLowerCase()) return true;
  const name = given.startsWith('[') ? given.slice(0, given.indexOf(']') + 1) : given.split(':')[0];
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}
