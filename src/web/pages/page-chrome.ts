import type { PageChrome } from '../../infra/http/html';
import type { Viewer } from '../auth/access';
import type { StatusDeps } from '../status-deps';
import { maintenanceBanner } from './dashboard';

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
