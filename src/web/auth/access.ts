import type { Config } from '../../config/schema';

/** What a person can do on the status pages besides reading. */
export const webActions = ['deploy', 'activate', 'cancel', 'archive', 'extend', 'pin', 'unpin'] as const;
export type WebAction = (typeof webActions)[number];

/** The `web.auth.permissions` key that allows each action: extending is part of deploying; pin and unpin share one. */
const permissionOf = {
  deploy: 'deploy',
  activate: 'activate',
  cancel: 'cancel',
  archive: 'archive',
  extend: 'deploy',
  pin: 'pin',
  unpin: 'pin',
} as const satisfies Record<WebAction, string>;

/** The `web.auth.permissions` key an action needs. */
export function permissionKey(action: WebAction): string {
  return permissionOf[action];
}

type AuthConfig = Config['web']['auth'];

/** A signed-in person as the session cookie holds them. */
export interface Session {
  login: string;
  /** The configured orgs and org/team slugs the person belonged to at sign-in. */
  memberOf: string[];
  /** Session id: the CSRF token is derived from it. */
  sid: string;
  /** Signed in with the local operator link: the token's fingerprint then (a rotation ends the session). */
  local?: string;
}

/** Who is looking at a page, and what they may do there. */
export interface Viewer {
  login: string | null;
  /** Settings, logs, appservers, jobs: signed in, or `web.auth.public_read`. */
  canRead: boolean;
  /** Token that every form of this viewer carries (null when signed out). */
  csrf: string | null;
  can(action: WebAction): boolean;
}

/** Every org and org/team whose membership is checked at sign-in. */
export function groupsToCheck(auth: AuthConfig): string[] {
  const teams = Object.values(auth.permissions).flatMap((entries) =>
    (entries ?? []).filter((entry) => entry.includes('/')),
  );
  return [...new Set([...auth.orgs, ...auth.teams, ...teams].map((group) => group.toLowerCase()))];
}

/** Sign-in is open to members of `web.auth.orgs` and `web.auth.teams`. */
export function maySignIn(auth: AuthConfig, memberOf: readonly string[]): boolean {
  const allowed = new Set([...auth.orgs, ...auth.teams].map((group) => group.toLowerCase()));
  return memberOf.some((group) => allowed.has(group.toLowerCase()));
}

/**
 * Whether a signed-in person may run an action. `web.auth.permissions.<action>`
 * lists GitHub logins and org/team slugs, `*` for everyone signed in; an action
 * that is not listed is open to everyone signed in, except pin (nobody).
 */
export function mayAct(auth: AuthConfig, session: Session, action: WebAction): boolean {
  const key = permissionOf[action];
  const entries = auth.permissions[key];
  // Pinning exempts a sandbox from expiry: maintainers only, so nobody unless listed.
  if (entries === undefined) return key !== 'pin';
  const login = session.login.toLowerCase();
  const groups = new Set(session.memberOf.map((group) => group.toLowerCase()));
  return entries.some((entry) => entry === '*' || entry.toLowerCase() === login || groups.has(entry.toLowerCase()));
}

export function viewerFor(auth: AuthConfig, session: Session | null, csrf: string | null): Viewer {
  if (!session) return { login: null, canRead: auth.public_read, csrf: null, can: () => false };
  // The local operator (the person holding the data directory's token) may do everything.
  if (session.local) return { login: session.login, canRead: true, csrf, can: () => true };
  return { login: session.login, canRead: true, csrf, can: (action) => mayAct(auth, session, action) };
}
