import type { RepositoryConfig } from '../../config/schema';
import { SandboxError } from '../../core/errors';
import type { Recipe } from '../../core/ports/other-ports';
import { proxySettingsOf } from './proxy-settings';

/** `script`: the operator's own commands, run in the checkout. */
export function scriptRecipe(repository: RepositoryConfig): Recipe {
  const script = repository.script;
  if (!script)
    throw new SandboxError(
      'usage',
      `${repository.name}: recipe script needs a script: block with at least start: (see docs/configuration.md)`,
    );
  return {
    name: 'script',
    fields: [],
    extraDomainPrefixes: script.extra_domain_prefixes,
    healthPath: script.health_path,
    healthTimeoutMs: script.health_timeout,
    health: {
      path: script.health_path,
      method: 'GET',
      timeoutMs: script.health_timeout,
      hostHeader: false,
      maxStatus: 299,
    },
    proxy: proxySettingsOf(repository),
    tasks: repository.tasks,
    phases: {
      deploy: script.deploy,
      start: script.start,
      stop: script.stop,
      destroy: script.destroy,
      init: repository.init,
      startMode: 'service',
      checkout: true,
    },
  };
}
