import type { PageChrome } from '../../infra/http/html';
import type { Viewer } from '../auth/access';
import type { StatusDeps } from '../status-deps';

/** The frame of a page for this viewer at `path`: who is signed in, how to sign in, and the maintenance banner. */
export async function pageChrome(
  deps: Pick<StatusDeps, 'auth' | 'commands'>,
  viewer: Pick<Viewer, 'login' | 'csrf'>,
  path: string,
): Promise<PageChrome> {
  return {
    login: viewer.login,
    csrf: viewer.csrf,
    path,
    signIn: deps.auth.gitHubSignIn ? 'github' : 'local',
    maintenance: await maintenanceBanner(deps),
  };
}

/** The banner's state; maintenance mode is read at most every half second. */
export async function maintenanceBanner(
  deps: Pick<StatusDeps, 'commands'>,
): Promise<{ message: string | null } | null> {
  const state = await deps.commands.maintenance?.current();
  return state?.on ? { message: state.message } : null;
}

/** How a signed-out person gets to see more: GitHub sign-in, or the local operator link when sign-in is not configured. */
export function signInWords(deps: Pick<StatusDeps, 'auth'>): string {
  return deps.auth.gitHubSignIn
    ? 'Sign in with GitHub'
    : 'Sign in with the local operator link the bot printed at start (`sbx auth local` shows it; GitHub sign-in is not configured on this bot)';
}
