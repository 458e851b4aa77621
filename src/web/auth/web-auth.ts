import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../config/schema';
import { readCookies, setCookie } from '../http/cookies';
import type { LocalToken } from '../../infra/local-token';
import { viewerFor, type Session, type Viewer } from './access';
import { createSignedValues, sameText, type SignedValues } from './signed-values';

export const sessionCookie = 'sbx_session';

/** Sessions in a signed cookie (no server-side state, so any web replica serves any request) and the CSRF token derived from them. */
export interface WebAuth {
  readonly values: SignedValues;
  /** Cookies get `Secure` when the bot is reached over HTTPS (`public_url`). */
  readonly secure: boolean;
  session(req: IncomingMessage): Session | null;
  viewer(req: IncomingMessage): Viewer;
  startSession(res: ServerResponse, session: Session): void;
  endSession(res: ServerResponse): void;
  csrfToken(session: Session): string;
  /** True when the form's `_csrf` belongs to this session. */
  checkCsrf(session: Session, token: string | null): boolean;
  /** The local operator's token (the `/auth/local` link); null where there is none (tests). */
  readonly localToken: LocalToken | null;
  /** GitHub sign-in is configured (client id and secret, and orgs or teams to allow). */
  readonly gitHubSignIn: boolean;
}

export function createWebAuth(
  config: Config,
  secret: string,
  now: () => number = Date.now,
  localToken: LocalToken | null = null,
): WebAuth {
  const values = createSignedValues(secret, now);
  const auth = config.web.auth;
  const secure = (config.public_url ?? '').startsWith('https://');
  const csrfToken = (session: Session) => values.mac('csrf', session.sid);
  const session = (req: IncomingMessage): Session | null => {
    const value = values.open<Session>('session', readCookies(req).get(sessionCookie));
    if (!value || typeof value.login !== 'string' || !Array.isArray(value.memberOf) || typeof value.sid !== 'string')
      return null;
    const memberOf = value.memberOf.filter((group): group is string => typeof group === 'string');
    if (value.local === undefined) return { login: value.login, memberOf, sid: value.sid };
    // A local session holds only while the token it was made with is current.
    if (typeof value.local !== 'string' || !localToken || value.local !== localToken.fingerprint()) return null;
    return { login: value.login, memberOf, sid: value.sid, local: value.local };
  };
  return {
    values,
    secure,
    session,
    viewer(req) {
      const current = session(req);
      return viewerFor(auth, current, current ? csrfToken(current) : null);
    },
    startSession(res, value) {
      setCookie(res, sessionCookie, values.seal('session', value, auth.session_ttl), {
        path: '/',
        maxAge: Math.floor(auth.session_ttl / 1000),
        secure,
      });
    },
    endSession(res) {
      setCookie(res, sessionCookie, '', { path: '/', maxAge: 0, secure });
    },
    csrfToken,
    checkCsrf: (current, token) => token !== null && sameText(token, csrfToken(current)),
    localToken,
    gitHubSignIn: Boolean(
      config.github.client_id && config.github.client_secret && auth.orgs.length + auth.teams.length > 0,
    ),
  };
}
