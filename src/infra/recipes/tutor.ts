import type { RepositoryConfig } from '../../config/schema';
import type { Recipe, RecipeField } from '../../core/ports/other-ports';
import { quoteArg } from '../../core/shell-quote';
import { proxySettingsOf } from './proxy-settings';

export const tutorFields: readonly RecipeField[] = [
  {
    name: 'tutor_version',
    default: '21.0.8',
    description: 'Tutor release installed per sandbox (`install: venv`); 21 is Ulmo.',
  },
  {
    name: 'edx_platform_repository_url',
    default: null,
    description: 'EDX_PLATFORM_REPOSITORY; default: the sandbox’s repository (the PR’s fork).',
  },
  { name: 'platform_name', default: null, description: 'PLATFORM_NAME; default: the sandbox’s slug.' },
  { name: 'contact_email', default: 'contact@example.com', description: 'CONTACT_EMAIL.' },
  {
    name: 'enable_https',
    default: 'false',
    description: 'ENABLE_HTTPS: true when the load balancer terminates TLS for the sandbox domains.',
  },
];

/** The Tutor settings the bot owns, set last so no settings key can break one sandbox's isolation from another. */
const ownSets = (prefixes: readonly string[]) => [
  '--set "LMS_HOST=$SBX_DOMAIN"',
  ...(prefixes.includes('studio') ? ['--set "CMS_HOST=studio-$SBX_DOMAIN"'] : []),
  ...(prefixes.includes('apps') ? ['--set "MFE_HOST=apps-$SBX_DOMAIN"'] : []),
  ...(prefixes.includes('preview') ? ['--set "PREVIEW_LMS_HOST=preview-$SBX_DOMAIN"'] : []),
  '--set ENABLE_WEB_PROXY=false',
  '--set "CADDY_HTTP_PORT=127.0.0.1:$PORT"',
  '--set "LOCAL_PROJECT_NAME=$project"',
  '--set "DOCKER_IMAGE_OPENEDX=$image"',
];

/**
 * `tutor`: one Tutor root (`<instance>/data/tutor`), compose project
 * (`tutor_<slug>`), Caddy port (the appserver's, on 127.0.0.1, behind the
 * bot's load balancer) and openedx image tag per sandbox. Upper-case keys of
 * the merged settings become `tutor config save --set KEY=<value>`.
 */
export function tutorRecipe(repository: RepositoryConfig): Recipe {
  const options = repository.tutor;
  const prefixes = options.extra_domain_prefixes;
  const prelude = `export TUTOR_ROOT="$SBX_DATA_DIR/tutor"
${options.install === 'venv' ? 'export PATH="$SBX_DATA_DIR/tutor-venv/bin:$PATH"' : ''}
project="tutor_$(echo "$SBX_SLUG" | tr - _)"`;
  const deploy = `# tutor deploy, generated from sandbox.yml (repositories[].tutor)
${prelude}
image="openedx-$SBX_SLUG:appserver-$SBX_APPSERVER"
${
  options.install === 'venv'
    ? `if [ ! -x "$SBX_DATA_DIR/tutor-venv/bin/tutor" ] || [ "$(tutor --version 2>/dev/null | awk '{print $NF}')" != "$SBX_FIELD_TUTOR_VERSION" ]; then
  echo "[tutor] installing tutor[full]==$SBX_FIELD_TUTOR_VERSION"
  ${quoteArg(options.python)} -m venv "$SBX_DATA_DIR/tutor-venv"
  "$SBX_DATA_DIR/tutor-venv/bin/pip" install --quiet "tutor[full]==$SBX_FIELD_TUTOR_VERSION"
fi`
    : ''
}
# Settings keys (upper case) as --set KEY=<JSON, which Tutor reads as YAML>, NUL-separated so no value is ever split or run.
settings=()
while IFS= read -r -d '' item; do settings+=(--set "$item"); done < <(python3 -c '
import json, re, sys
for key, value in json.load(open(sys.argv[1])).items():
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", key) and not key.startswith("SBX_"):
        sys.stdout.write(key + "=" + json.dumps(value) + "\\0")
' "$SBX_WORK_DIR/vars.json")
platform_name="\${SBX_FIELD_PLATFORM_NAME:-$SBX_SLUG}"
repository="\${SBX_FIELD_EDX_PLATFORM_REPOSITORY_URL:-$SBX_REPO_URL}"
version="\${SBX_COMMIT:-$SBX_REF}"
echo "[tutor] root $TUTOR_ROOT, project $project, port $PORT, image $image"
tutor config save "\${settings[@]}" \\
  --set "PLATFORM_NAME=$platform_name" --set "CONTACT_EMAIL=$SBX_FIELD_CONTACT_EMAIL" --set "ENABLE_HTTPS=$SBX_FIELD_ENABLE_HTTPS" \\
  --set "EDX_PLATFORM_REPOSITORY=$repository" --set "EDX_PLATFORM_VERSION=$version" \\
  ${ownSets(prefixes).join(' ')}
${options.build_image ? 'tutor images build openedx\n' : ''}tutor local launch --non-interactive
`;
  return {
    name: 'tutor',
    fields: tutorFields,
    extraDomainPrefixes: prefixes,
    healthPath: '/heartbeat',
    healthTimeoutMs: options.health_timeout,
    health: { path: '/heartbeat', method: 'GET', timeoutMs: options.health_timeout, hostHeader: true, maxStatus: 299 },
    smokeChecks: prefixes.includes('studio') ? [{ prefix: 'studio', path: '/heartbeat' }] : [],
    proxy: proxySettingsOf(repository),
    tasks: repository.tasks,
    phases: {
      deploy,
      start: `${prelude}\ntutor local start --detach`,
      stop: `${prelude}\ntutor local stop`,
      destroy: `${prelude}\ntutor local dc down --remove-orphans\ndocker image ls --format '{{.Repository}}:{{.Tag}}' "openedx-$SBX_SLUG" | xargs -r docker image rm`,
      init: repository.init,
      startMode: 'command',
      checkout: false,
    },
  };
}
