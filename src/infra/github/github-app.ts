import { Probot, ProbotOctokit } from 'probot';
import type { Config } from '../../config/schema';
import type { PullRequestSource } from '../../core/ports/pull-requests';
import type { Logger } from '../logger';
import type { InstallationAccess, Octokit } from './octokit';
import { createPullRequestSource } from './pull-request-source';

/** The App's credentials and API access, shared by the webhook intake, the jobs and the reporter. */
export type { InstallationAccess, Octokit } from './octokit';

export interface GitHubApp extends InstallationAccess {
  /** Probot configured for this App (webhook verification and installation tokens). */
  probot: Probot;
  /** The App's slug (for `@slug` mentions): from the configuration, else asked from GitHub once. */
  appSlug(): Promise<string | null>;
  source: PullRequestSource;
}

/** True when the App's three credentials are configured. */
export function gitHubConfigured(config: Config): boolean {
  return Boolean(config.github.app_id && config.github.private_key && config.github.webhook_secret);
}

/** The REST API root: api.github.com, or `<protocol>://<GHE_HOST>/api/v3` for GitHub Enterprise (and test fakes). */
export function apiBaseUrl(config: Config): string | undefined {
  const { ghe_host: host, ghe_protocol: protocol } = config.github;
  return host ? `${protocol}://${host}/api/v3` : undefined;
}

/**
 * Octokit with Probot's throttling and retries, or without both. Probot
 * 14.3 ignores `throttle` given as an object to `defaults`, so the option
 * function form is the one that works.
 */
export function octokitClass(throttle: boolean): typeof ProbotOctokit {
  if (throttle) return ProbotOctokit;
  return ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { enabled: false },
    throttle: { ...(options.throttle as object | undefined), enabled: false },
  })) as typeof ProbotOctokit;
}

/** Builds the App's access from the configuration; null when the App is not configured. */
export function createGitHubApp(
  config: Config,
  logger: Logger,
  options: { throttle?: boolean } = {},
): GitHubApp | null {
  if (!gitHubConfigured(config)) return null;
  const probot = new Probot({
    appId: config.github.app_id!,
    privateKey: config.github.private_key!,
    secret: config.github.webhook_secret!,
    baseUrl: apiBaseUrl(config),
    Octokit: octokitClass(options.throttle ?? config.github.throttle),
    log: logger.child({ name: 'github' }),
  });
  const installations = new Map<string, { id: number | null; at: number }>();
  let slug: Promise<string | null> | null = config.github.app_slug ? Promise.resolve(config.github.app_slug) : null;

  const access: Omit<GitHubApp, 'source'> = {
    probot,
    installation: (installationId) => probot.auth(installationId) as Promise<Octokit>,
    async installationOf(repository) {
      const key = repository.toLowerCase();
      const cached = installations.get(key);
      if (cached && Date.now() - cached.at < 10 * 60_000) return cached.id;
      const [owner, repo] = repository.split('/') as [string, string];
      const octokit = (await probot.auth()) as Octokit;
      let id: number | null = null;
      try {
        id = (await octokit.request('GET /repos/{owner}/{repo}/installation', { owner, repo })).data.id;
      } catch (error) {
        if ((error as { status?: number }).status !== 404) throw error;
      }
      installations.set(key, { id, at: Date.now() });
      return id;
    },
    appSlug() {
      slug ??= (async () => {
        const octokit = (await probot.auth()) as Octokit;
        return (await octokit.request('GET /app')).data?.slug ?? null;
      })().catch((error: unknown) => {
        logger.warn(
          { err: error },
          'could not read the GitHub App slug; only `/sandbox` commands work until the next start (or set github.app_slug)',
        );
        slug = null;
        return null;
      });
      return slug;
    },
  };
  return { ...access, source: createPullRequestSource(access) };
}
