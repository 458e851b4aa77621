import type { Config } from '../config/schema';
import { collectSecretValues } from '../core/settings';
import { sharedPasswords } from '../infra/sandbox-access';
import { openstackSecrets } from '../infra/openstack/openstack-auth';

/**
 * Every secret the bot knows: secret values of the configuration and the
 * environment, and the values of settings whose keys look secret (e.g.
 * DB_PASSWORD in a repository's defaults). Stored logs never contain them.
 */
export function collectSecrets(config: Config, env: NodeJS.ProcessEnv): string[] {
  const values: (string | null | undefined)[] = [
    config.github.private_key,
    config.github.webhook_secret,
    config.github.client_secret,
    config.slack.bot_token,
    config.slack.signing_secret,
    config.slack.app_token,
    config.web.auth.session_secret,
    config.web.auth.local_token,
    config.dns.gandi ? env[config.dns.gandi.token_env] : null,
  ];
  if (config.database.url) {
    try {
      values.push(decodeURIComponent(new URL(config.database.url).password));
    } catch {
      values.push(config.database.url);
    }
  }
  for (const host of config.compute.hosts) if (host.private_key_env) values.push(env[host.private_key_env]);
  values.push(...openstackSecrets(config.compute.openstack, env));
  for (const repository of config.repositories)
    values.push(...collectSecretValues(repository.settings as never, repository.secret_settings));
  values.push(...sharedPasswords(config, env));
  return values.filter((value): value is string => typeof value === 'string' && value.length > 0);
}
