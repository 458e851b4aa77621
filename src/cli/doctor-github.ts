import { createPrivateKey } from 'node:crypto';
import type { Config } from '../config/schema';
import { openLocalToken } from '../infra/local-token';
import { apiBaseUrl, createGitHubApp, type Octokit } from '../infra/github/github-app';
import { status } from '../infra/github/pull-request-source';
import { createLogger } from '../infra/logger';
import type { CheckResult, DoctorCheck } from './doctor-check';

/**
 * The GitHub App's credentials work (a JWT signed with PRIVATE_KEY is
 * accepted for APP_ID) and the App is installed on every repository in
 * `repositories[]`. Skipped when the App is not configured at all.
 */
export const checkGitHubApp: DoctorCheck = async ({ config }) => {
  const { app_id: appId, private_key: key, webhook_secret: secret } = config.github;
  if (!appId && !key && !secret) {
    const setupCode = openLocalToken({ dataDir: config.data_dir, fixed: config.web.auth.local_token }).current();
    const register = `open ${config.public_url ?? ''}/probot and enter the setup code ${setupCode} (the local operator token) to register it`;
    return [
      {
        check: 'GitHub App credentials',
        status: 'skip',
        detail: 'the GitHub App is off',
        hint: `${register}, or set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET`,
      },
    ];
  }
  const missing = [!appId && 'APP_ID', !key && 'PRIVATE_KEY (or PRIVATE_KEY_PATH)', !secret && 'WEBHOOK_SECRET'].filter(
    Boolean,
  );
  if (missing.length)
    return [
      {
        check: 'GitHub App credentials',
        status: 'fail',
        detail: `missing ${missing.join(', ')}`,
        hint: 'set all three, from the App’s settings page on GitHub',
      },
    ];
  try {
    createPrivateKey(key!);
  } catch (error) {
    return [
      {
        check: 'GitHub App credentials',
        status: 'fail',
        detail: `PRIVATE_KEY is not a PEM private key (${(error as Error).message})`,
        hint: 'paste the whole .pem file GitHub gave you, or point PRIVATE_KEY_PATH at it',
      },
    ];
  }

  const github = createGitHubApp(config, createLogger({ level: 'silent', format: 'json' }), { throttle: false })!;
  const results: CheckResult[] = [];
  try {
    const octokit = (await github.probot.auth()) as Octokit;
    const app = (await octokit.request('GET /app')).data;
    results.push({
      check: 'GitHub App credentials',
      status: 'ok',
      detail: `app ${app?.slug ?? appId} (id ${appId}) on ${apiBaseUrl(config) ?? 'github.com'}`,
    });
  } catch (error) {
    const code = status(error);
    return [
      code === 401
        ? {
            check: 'GitHub App credentials',
            status: 'fail',
            detail: 'GitHub refused the App’s JWT (401)',
            hint: 'APP_ID and PRIVATE_KEY belong to different Apps, or the key was revoked: generate a new key on the App’s settings page',
          }
        : {
            check: 'GitHub App credentials',
            status: 'fail',
            detail: `cannot reach GitHub at ${apiBaseUrl(config) ?? 'https://api.github.com'}: ${(error as Error).message}`,
            hint: 'check the network (and GHE_HOST / GHE_PROTOCOL, if set)',
          },
    ];
  }
  results.push(...(await checkInstallations(config, (repository) => github.installationOf(repository))));
  return results;
};

async function checkInstallations(
  config: Config,
  installationOf: (repository: string) => Promise<number | null>,
): Promise<CheckResult[]> {
  if (config.repositories.length === 0)
    return [{ check: 'GitHub App installation', status: 'skip', detail: 'no repositories in sandbox.yml' }];
  const results: CheckResult[] = [];
  for (const repository of config.repositories) {
    const check = `GitHub App on ${repository.name}`;
    try {
      const id = await installationOf(repository.name);
      results.push(
        id === null
          ? {
              check,
              status: 'fail',
              detail: 'the App is not installed on this repository',
              hint: 'install it from the App’s public page (…/apps/<slug>/installations/new) and select this repository',
            }
          : { check, status: 'ok', detail: `installed (installation ${id})` },
      );
    } catch (error) {
      results.push({ check, status: 'fail', detail: (error as Error).message });
    }
  }
  return results;
}
