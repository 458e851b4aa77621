import type { Config } from '../config/schema';
import { SandboxError } from '../core/errors';
import type { BasicCredentials } from '../core/ports/load-balancer';
import type { AccessRule, SandboxAccessRules } from '../core/ports/sandbox-access';

/**
 * The `access` of every repository in sandbox.yml, with the shared
 * credentials read once from the environment (`access_credentials_env`).
 * A missing or malformed variable stops the boot with the repository's name.
 * Instances of repositories that are not configured are public.
 */
export function createSandboxAccessRules(config: Config, env: NodeJS.ProcessEnv): SandboxAccessRules {
  const rules = new Map<string, AccessRule>();
  for (const repository of config.repositories) {
    const rule: AccessRule =
      repository.access === 'public'
        ? { kind: 'public' }
        : { kind: 'basic_auth', shared: sharedCredentials(repository.name, repository.access_credentials_env, env) };
    rules.set(repository.name.toLowerCase(), rule);
  }
  return {
    ruleFor: (instance) => rules.get(instance.prRepo?.toLowerCase() ?? '') ?? { kind: 'public' },
  };
}

/** The shared `user:password` of a repository, or null when each sandbox gets its own. */
export function sharedCredentials(
  repository: string,
  name: string | null,
  env: NodeJS.ProcessEnv,
): BasicCredentials | null {
  if (name === null) return null;
  const value = env[name];
  const where = `repositories[${repository}].access_credentials_env`;
  if (!value)
    throw new SandboxError(
      'config_invalid',
      `${where}: the environment variable ${name} is not set; set it to user:password or remove access_credentials_env to generate credentials per sandbox`,
    );
  const colon = value.indexOf(':');
  const user = value.slice(0, colon);
  const password = value.slice(colon + 1);
  // The user ends at the first colon (RFC 7617); control characters would break the htpasswd file and the header.
  if (colon < 1 || !password || /[\s\p{Cc}]/u.test(user) || /\p{Cc}/u.test(password)) {
    throw new SandboxError(
      'config_invalid',
      `${where}: ${name} must hold user:password (a user without spaces or colons, a password without control characters)`,
    );
  }
  return { user, password };
}

/** The shared passwords, for the log redactor. */
export function sharedPasswords(config: Config, env: NodeJS.ProcessEnv): string[] {
  return config.repositories.flatMap((repository) => {
    const name = repository.access === 'basic_auth' ? repository.access_credentials_env : null;
    const value = name ? env[name] : undefined;
    return value?.includes(':') ? [value.slice(value.indexOf(':') + 1)] : [];
  });
}
