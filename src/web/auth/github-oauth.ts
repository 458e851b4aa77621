import type { Config } from '../../config/schema';

/** Where the web flow talks to: github.com, or a GitHub Enterprise host (`github.ghe_host`). */
export interface GitHubOAuthEndpoints {
  authorize: string;
  token: string;
  api: string;
}

export function githubEndpoints(github: Config['github']): GitHubOAuthEndpoints {
  if (github.ghe_host) {
    const base = `${github.ghe_protocol}://${github.ghe_host}`;
    return {
      authorize: `${base}/login/oauth/authorize`,
      token: `${base}/login/oauth/access_token`,
      api: `${base}/api/v3`,
    };
  }
  return {
    authorize: 'https://github.com/login/oauth/authorize',
    token: 'https://github.com/login/oauth/access_token',
    api: 'https://api.github.com',
  };
}

/** A sign-in that could not complete; `message` is for the person signing in. */
export class SignInError extends Error {}

const timeoutMs = 10_000;

/** Step 1 of the web flow: where to send the browser. */
export function authorizeUrl(
  endpoints: GitHubOAuthEndpoints,
  options: { clientId: string; redirectUri: string; state: string },
): string {
  const url = new URL(endpoints.authorize);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('redirect_uri', options.redirectUri);
  url.searchParams.set('state', options.state);
  url.searchParams.set('allow_signup', 'false');
  return url.toString();
}

/** Step 2: trades the code GitHub sent back for a user access token. */
export async function exchangeCode(
  endpoints: GitHubOAuthEndpoints,
  options: { clientId: string; clientSecret: string; code: string; redirectUri: string },
): Promise<string> {
  const response = await fetch(endpoints.token, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'sandbox-bot',
    },
    body: new URLSearchParams({
      client_id: options.clientId,
      client_secret: options.clientSecret,
      code: options.code,
      redirect_uri: options.redirectUri,
    }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token) {
    const why = body.error_description ?? body.error ?? `HTTP ${response.status}`;
    throw new SignInError(`GitHub did not accept the sign-in (${why}); try again`);
  }
  return body.access_token;
}

async function api(
  endpoints: GitHubOAuthEndpoints,
  token: string,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${endpoints.api}${path}`, {
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${token}`,
      'user-agent': 'sandbox-bot',
      'x-github-api-version': '2022-11-28',
    },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, body };
}

/** Step 3: who signed in. */
export async function fetchLogin(endpoints: GitHubOAuthEndpoints, token: string): Promise<string> {
  const user = await api(endpoints, token, '/user');
  if (user.status !== 200 || typeof user.body.login !== 'string')
    throw new SignInError(`could not read your GitHub account (HTTP ${user.status}); try again`);
  return user.body.login;
}

/**
 * Which of `groups` (org names and org/team slugs) the person is an active
 * member of, asked with their own token. Not a member: GitHub answers 404
 * (or 403); anything else is an error, so a GitHub outage never reads as
 * "not a member".
 */
export async function findMemberships(
  endpoints: GitHubOAuthEndpoints,
  token: string,
  login: string,
  groups: readonly string[],
): Promise<string[]> {
  const found: string[] = [];
  for (const group of groups) {
    const [org, team] = group.split('/') as [string, string | undefined];
    const path = team
      ? `/orgs/${encodeURIComponent(org)}/teams/${encodeURIComponent(team)}/memberships/${encodeURIComponent(login)}`
      : `/user/memberships/orgs/${encodeURIComponent(org)}`;
    const answer = await api(endpoints, token, path);
    if (answer.status === 200 && answer.body.state === 'active') found.push(group);
    else if (answer.status !== 200 && answer.status !== 404 && answer.status !== 403) {
      throw new SignInError(`could not check your membership of ${group} on GitHub (HTTP ${answer.status}); try again`);
    }
  }
  return found;
}
