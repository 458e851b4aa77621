import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../config/schema';
import { readCookies, setCookie } from '../http/cookies';
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
}

export function createWebAuth(config: Config, secret: string, now: () => number = Date.now): WebAuth {
  const values = createSignedValues(secret, now);
  const auth = config.web.auth;
  const secure = (config.public_url ?? '').startsWith('https://');
  const csrfToken = (session: Session) => values.mac('csrf', session.sid);
  const session = (req: IncomingMessage): Session | null => {
    const value = values.open<Session>('session', readCookies(req).get(sessionCookie));
    if (!value || typeof value.login !== 'string' || !Array.isArray(value.memberOf) || typeof value.sid !== 'string') return null;
    return { login: value.login, memberOf: value.memberOf.filter((group): group is string => typeof group === 'string'), sid: value.sid };
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
      setCookie(res, sessionCookie, values.seal('session', value, auth.session_ttl), { path: '/', maxAge: Math.floor(auth.session_ttl / 1000), secure });
    },
    endSession(res) {
      setCookie(res, sessionCookie, '', { path: '/', maxAge: 0, secure });
    },
    csrfToken,
    checkCsrf: (current, token) => token !== null && sameText(token, csrfToken(current)),
  };
}
