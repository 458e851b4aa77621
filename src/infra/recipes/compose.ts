import type { RepositoryConfig } from '../../config/schema';
import type { Recipe } from '../../core/ports/other-ports';
import { quoteArg } from '../../core/shell-quote';
import { proxySettingsOf } from './proxy-settings';

/**
 * `compose`: the checkout's compose files as one project per sandbox
 * (`-p <slug>`), with the sandbox env file (PORT included) for interpolation.
 * The web service publishes `127.0.0.1:${PORT}:<its port>`.
 */
export function composeRecipe(repository: RepositoryConfig): Recipe {
  const options = repository.compose;
  const files = options.files.map((file) => `-f ${quoteArg(file)}`).join(' ');
  const compose = `compose() { docker compose -p "$SBX_SLUG" --env-file "$SBX_WORK_DIR/sandbox.env" ${files} "$@"; }`;
  const up = [
    'up',
    '-d',
    ...(options.build ? ['--build'] : []),
    '--wait',
    '--remove-orphans',
    ...(options.wait_timeout === null ? [] : ['--wait-timeout', String(Math.ceil(options.wait_timeout / 1000))]),
  ];
  return {
    name: 'compose',
    fields: [],
    extraDomainPrefixes: options.extra_domain_prefixes,
    healthPath: options.health_path,
    healthTimeoutMs: options.health_timeout,
    health: {
      path: options.health_path,
      method: 'GET',
      timeoutMs: options.health_timeout,
      hostHeader: false,
      maxStatus: 299,
    },
    proxy: proxySettingsOf(repository),
    tasks: repository.tasks,
    phases: {
      deploy: `# compose deploy, generated from sandbox.yml (repositories[].compose)
${compose}
echo "[compose] project $SBX_SLUG, port $PORT"
compose pull --quiet --ignore-buildable || echo "[compose] pull failed; using local or built images"
compose ${up.join(' ')}`,
      start: `${compose}\ncompose start`,
      stop: `${compose}\ncompose stop`,
      destroy: 'docker compose -p "$SBX_SLUG" down -v --remove-orphans --rmi local',
      init: repository.init,
      startMode: 'command',
      checkout: true,
    },
  };
}
