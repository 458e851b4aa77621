import type { RepositoryConfig } from '../../config/schema';
import type { Recipe, RecipeField } from '../../core/ports/other-ports';
import { quoteArg } from '../../core/shell-quote';
import { openedxVars } from './openedx-vars';
import { proxySettingsOf } from './proxy-settings';

/** Fields of the Open edX recipes, with the predecessor's defaults. */
export const openedxAnsibleFields: readonly RecipeField[] = [
  {
    name: 'openedx_release',
    default: 'master',
    description: 'Open edX release; the forum, xqueue, certs … versions follow it.',
  },
  {
    name: 'configuration_source_repo_url',
    default: 'https://github.com/openedx/configuration.git',
    aliases: ['edx_ansible_source_repo'],
    description: 'Configuration repository cloned on the host.',
  },
  {
    name: 'configuration_version',
    default: 'master',
    description: 'Branch, tag or commit of the configuration repository.',
  },
  {
    name: 'configuration_playbook_name',
    default: 'playbooks/openedx_native.yml',
    defaultFrom: (fields) => basePlaybook(fields.openedx_release ?? ''),
    description:
      'Playbook run from the clone (path from its root; cwd is its playbooks/); by default playbooks/edx_sandbox.yml for a ginkgo or hawthorn `openedx_release`, as the predecessor.',
  },
  {
    name: 'edx_platform_repository_url',
    default: null,
    description: 'edx-platform repository the playbook installs; default: the sandbox’s repository (the PR’s fork).',
  },
  { name: 'platform_name', default: null, description: 'EDXAPP_PLATFORM_NAME; default: the sandbox’s slug.' },
];

/** The predecessor's base playbook: `edx_sandbox.yml` up to Hawthorn, `openedx_native.yml` since. */
export function basePlaybook(release: string): string {
  const lower = release.toLowerCase();
  return lower.includes('ginkgo') || lower.includes('hawthorn')
    ? 'playbooks/edx_sandbox.yml'
    : 'playbooks/openedx_native.yml';
}

/**
 * `openedx-ansible`: clone the configuration repository at
 * `configuration_version`, prepare Ansible (a virtualenv with the clone's
 * requirements, or the host's own), and run the playbook against the host
 * itself with vars.yml, then the extra playbooks. The appserver's own checkout
 * is skipped: the playbook fetches edx-platform at the commit in vars.yml.
 */
export function openedxAnsibleRecipe(repository: RepositoryConfig): Recipe {
  const options = repository.openedx_ansible;
  const prefixes = options.extra_domain_prefixes;
  return {
    name: 'openedx-ansible',
    fields: openedxAnsibleFields,
    extraDomainPrefixes: prefixes,
    healthPath: '/heartbeat',
    healthTimeoutMs: options.health_timeout,
    health: { path: '/heartbeat', method: 'GET', timeoutMs: options.health_timeout, hostHeader: true, maxStatus: 399 },
    smokeChecks: prefixes.includes('studio') ? [{ prefix: 'studio', path: '/heartbeat' }] : [],
    proxy: proxySettingsOf(repository),
    tasks: repository.tasks,
    generateVars: openedxVars,
    phases: {
      deploy: renderDeploy(repository),
      start: options.start,
      stop: options.stop,
      destroy: options.destroy,
      init: repository.init,
      startMode: 'command',
      checkout: false,
    },
  };
}

function renderDeploy(repository: RepositoryConfig): string {
  const options = repository.openedx_ansible;
  const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));
  const playbooks = [
    '"$SBX_FIELD_CONFIGURATION_PLAYBOOK_NAME"',
    ...options.extra_playbooks.map((book) => quoteArg(`playbooks/${book}`)),
  ];
  return `# openedx-ansible deploy, generated from sandbox.yml (repositories[].openedx_ansible)
line_timeout=${seconds(options.line_timeout)}
deadline=$(( $(date +%s) + ${seconds(options.timeout)} ))
work="$SBX_WORK_DIR/openedx"
rm -rf "$work" && mkdir -p "$work/tmp"
export TMPDIR="$work/tmp" ANSIBLE_LOCAL_TEMP="$work/tmp" ANSIBLE_REMOTE_TEMP="$work/tmp" ANSIBLE_HOST_KEY_CHECKING=false ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 PYTHONUNBUFFERED=1
echo "[openedx-ansible] cloning $SBX_FIELD_CONFIGURATION_SOURCE_REPO_URL at $SBX_FIELD_CONFIGURATION_VERSION"
git clone --quiet -- "$SBX_FIELD_CONFIGURATION_SOURCE_REPO_URL" "$work/configuration"
# A branch or tag of the remote, else a commit.
revision="$(git -C "$work/configuration" rev-parse --verify --quiet "origin/$SBX_FIELD_CONFIGURATION_VERSION^{commit}" || git -C "$work/configuration" rev-parse --verify "$SBX_FIELD_CONFIGURATION_VERSION^{commit}")"
git -C "$work/configuration" checkout --quiet --detach "$revision"
git -C "$work/configuration" submodule --quiet update --init --recursive
echo "[openedx-ansible] configuration at $(git -C "$work/configuration" rev-parse HEAD)"
${
  options.ansible === 'venv'
    ? `echo "[openedx-ansible] preparing a virtualenv with the configuration's requirements.txt"
${quoteArg(options.python)} -m venv "$work/venv"
"$work/venv/bin/python" -u -m pip install --quiet -r "$work/configuration/requirements.txt"
ansible_playbook="$work/venv/bin/ansible-playbook"`
    : 'ansible_playbook="$(command -v ansible-playbook)"'
}
echo "[openedx-ansible] using $("$ansible_playbook" --version | sed -n 1p)"
printf '[openedx_app]\\nlocalhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\\n[app:children]\\nopenedx_app\\n' > "$work/inventory.ini"

# One playbook; fails it after line_timeout seconds of silence or past the deadline.
run_playbook() {
  local book="$1" out="$work/playbook.out" size=0 quiet_since now current
  : > "$out"
  echo "[openedx-ansible] ansible-playbook -i inventory.ini -e @vars.yml $book"
  (cd "$work/configuration/playbooks" && exec "$ansible_playbook" -i "$work/inventory.ini" -e @"$SBX_VARS_FILE" "$work/configuration/$book") >> "$out" 2>&1 &
  local pid=$!
  tail -n +1 -f --pid="$pid" "$out" &
  local tailer=$!
  quiet_since=$(date +%s)
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    now=$(date +%s); current=$(stat -c %s "$out")
    if [ "$current" != "$size" ]; then size=$current; quiet_since=$now; fi
    if [ $(( now - quiet_since )) -ge "$line_timeout" ] || [ "$now" -ge "$deadline" ]; then
      local why="no output for $line_timeout s"; [ "$now" -ge "$deadline" ] && why="the deploy ran past its timeout"
      pkill -TERM -P "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; wait "$tailer" 2>/dev/null
      echo "[openedx-ansible] $book stopped: $why"
      echo "playbook $book timed out: $why" > "$SBX_WORK_DIR/failure.txt"
      return 124
    fi
  done
  wait "$pid"; local status=$?
  wait "$tailer" 2>/dev/null
  if [ "$status" -ne 0 ]; then
    # The failed task is the reason people need (the predecessor's reports named it too).
    awk -v book="$book" '/^TASK \\[/ { task = $0; sub(/^TASK \\[/, "", task); sub(/\\] \\**$/, "", task) }
      /^(fatal|failed): / { msg = $0; if (match($0, /"msg": "[^"]*"/)) msg = substr($0, RSTART + 8, RLENGTH - 9); print "playbook " book " failed at task \\"" task "\\": " msg; exit }' "$out" > "$SBX_WORK_DIR/failure.txt"
    [ -s "$SBX_WORK_DIR/failure.txt" ] || echo "playbook $book exited with status $status" > "$SBX_WORK_DIR/failure.txt"
  fi
  return "$status"
}

for book in ${playbooks.join(' ')}; do
  run_playbook "$book" || exit $?
done
echo "[openedx-ansible] playbooks done"
`;
}
