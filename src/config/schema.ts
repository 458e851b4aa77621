import { z } from 'zod';
import { parseDuration } from '../core/duration';
import { allowedFlavors, openstackSchema } from './openstack-schema';

/**
 * The one configuration schema. `sandbox.yml` is validated against it at boot,
 * after environment variables have been folded in (see load-config.ts), and the
 * result is frozen and passed down explicitly. `docs/configuration.md` is
 * generated from the descriptions here (`npm run docs`).
 */

const duration = (fallback: string, what: string) =>
  z
    .string()
    .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 30s, 5m, 2h or 14d')
    .default(fallback)
    .describe(what)
    .transform((text) => parseDuration(text));

const optionalDuration = (what: string) =>
  z
    .string()
    .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 30s, 5m, 2h or 14d')
    .nullable()
    .default(null)
    .describe(what)
    .transform((text) => (text === null ? null : parseDuration(text)));

const portRange = z
  .tuple([z.number().int().min(1).max(65535), z.number().int().min(1).max(65535)])
  .refine(([low, high]) => low <= high, 'expected [low, high] with low <= high');

const settingsMapping = z.record(z.string(), z.unknown());

export const recipeNames = ['script', 'compose', 'openedx-ansible', 'tutor'] as const;
export const permissionLevels = ['read', 'triage', 'write', 'maintain', 'admin'] as const;

const scriptRecipe = z
  .strictObject({
    deploy: z
      .string()
      .default('true')
      .describe('Shell command run in the checkout to build the sandbox; its output is followed into the log.'),
    start: z.string().describe('Long-running command that serves the sandbox; it gets PORT and the sandbox env file.'),
    stop: z
      .string()
      .nullable()
      .default(null)
      .describe('Command that stops the service; default: kill the started process group.'),
    destroy: z
      .string()
      .nullable()
      .default(null)
      .describe('Command that destroys data on delete; default: remove the work directory.'),
    health_path: z
      .string()
      .default('/')
      .describe('HTTP path that must answer 2xx before the appserver counts as running.'),
    health_timeout: duration('5m', 'How long the health check may take before the appserver fails.'),
    extra_domain_prefixes: z
      .array(z.string().regex(/^[a-z0-9-]+$/))
      .default([])
      .describe(
        'Extra sub-domain prefixes routed to the same appserver, e.g. [studio] gives studio-<slug>.<base_domain>.',
      ),
  })
  .describe('Phases of the `script` recipe.');

const prefixList = (fallback: string[], what: string) =>
  z
    .array(z.string().regex(/^[a-z0-9-]+$/))
    .default(fallback)
    .describe(what);

// Recipe blocks (issue 13). Each recipe's fields, domains, health check and
// phases are declared in src/infra/recipes/; these are the operator's knobs.
const openedxAnsibleRecipe = z
  .strictObject({
    ansible: z
      .enum(['venv', 'system'])
      .default('venv')
      .describe(
        '`venv`: a virtualenv per deploy with the configuration clone’s requirements.txt (as the predecessor; needs PyPI); `system`: the host’s own ansible-playbook.',
      ),
    python: z.string().default('python3').describe('Python interpreter the virtualenv is made with (`ansible: venv`).'),
    extra_playbooks: z
      .array(z.string().regex(/^[A-Za-z0-9_./-]+$/))
      .default([])
      .describe(
        'Playbooks run after the main one, in order, with the same vars and inventory (paths relative to the clone’s playbooks/ directory).',
      ),
    line_timeout: duration('2h', 'A playbook silent for this long fails the deploy.'),
    timeout: duration('150m', 'A deploy taking longer than this in total fails.'),
    start: z
      .string()
      .default('sudo /edx/bin/supervisorctl start all')
      .describe('Command that starts the services after the playbooks (gets PORT and the sandbox variables).'),
    stop: z.string().default('sudo /edx/bin/supervisorctl stop all').describe('Command that stops the services.'),
    destroy: z
      .string()
      .nullable()
      .default(null)
      .describe('Command run on delete; the predecessor reimaged the VM instead.'),
    extra_domain_prefixes: prefixList(
      ['studio', 'preview'],
      'Extra domains routed to the appserver: studio-<slug>, preview-<slug>, …',
    ),
    health_timeout: duration('30m', 'How long GET /heartbeat (LMS Host header) may take to answer below 400.'),
  })
  .describe('The `openedx-ansible` recipe: the configuration repository’s playbook run against the host itself.');

const tutorRecipe = z
  .strictObject({
    install: z
      .enum(['venv', 'system'])
      .default('venv')
      .describe(
        '`venv`: pip install tutor[full]==<tutor_version> into a virtualenv per sandbox (needs PyPI); `system`: the tutor on the host’s PATH.',
      ),
    python: z.string().default('python3').describe('Python interpreter for the virtualenv (3.9 or newer).'),
    build_image: z
      .boolean()
      .default(true)
      .describe(
        'Build the openedx image from the PR’s repository and commit (tagged per sandbox); false: the stock image.',
      ),
    extra_domain_prefixes: prefixList(
      ['studio', 'apps'],
      'Extra domains: studio-<slug> (CMS_HOST), apps-<slug> (MFE_HOST), …',
    ),
    health_timeout: duration('60m', 'How long the LMS and Studio heartbeats may take to answer.'),
  })
  .describe('The `tutor` recipe: one Tutor root, compose project, Caddy port and image tag per sandbox.');

const composeRecipe = z
  .strictObject({
    files: z
      .array(z.string().regex(/^[A-Za-z0-9_./-]+$/))
      .default(['docker-compose.yml'])
      .describe('Compose files in the checkout, in order.'),
    build: z.boolean().default(true).describe('`up --build`: build images from the checkout.'),
    wait_timeout: optionalDuration('`up --wait-timeout`; null: compose’s own.'),
    health_path: z
      .string()
      .default('/')
      .describe('Path that must answer 2xx on PORT (publish your web service as 127.0.0.1:${PORT}:<its port>).'),
    health_timeout: duration('10m', 'How long the health check may take.'),
    extra_domain_prefixes: prefixList([], 'Extra domains routed to the same port.'),
  })
  .describe('The `compose` recipe: `docker compose -p <slug>` with the checkout’s compose files.');

const size = z.string().regex(/^\d+[kmg]?$/i, 'expected a size such as 100m, 512k or 1g');

const proxySettings = z
  .strictObject({
    forwarded_headers: z
      .boolean()
      .nullable()
      .default(null)
      .describe('Send X-Forwarded-Proto, -Host and -For; null: the recipe’s default (on).'),
    max_body_size: size
      .nullable()
      .default(null)
      .describe(
        'Largest request body, e.g. 100m; null: the recipe’s default, 100m (Open edX course imports need about 75 MB).',
      ),
    connect_timeout: optionalDuration('Connecting to the appserver; null: the recipe’s default (5s).'),
    read_timeout: optionalDuration('Waiting for the appserver’s answer; null: the recipe’s default (300s).'),
  })
  .prefault({})
  .describe('Load-balancer settings of this repository’s sandboxes, applied by every load balancer.');

// Persistent databases (issue 14): what a `script` or `compose` repository asks for.
const declaredDatabase = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,30}$/, 'expected a lowercase name of at most 31 letters, digits and _');
const repositoryDatabases = z
  .strictObject({
    mysql: z
      .array(declaredDatabase)
      .default([])
      .describe(
        'MySQL databases the sandbox gets, e.g. [app]; the recipe receives SBX_MYSQL_URL (the first) and SBX_MYSQL_DATABASES (actual names).',
      ),
    mongodb: z
      .array(declaredDatabase)
      .default([])
      .describe('MongoDB databases, e.g. [app]; the recipe receives SBX_MONGODB_URL and SBX_MONGODB_DATABASES.'),
    rabbitmq: z
      .boolean()
      .default(false)
      .describe('A RabbitMQ virtual host and user; the recipe receives SBX_RABBITMQ_URL.'),
  })
  .prefault({})
  .describe(
    'Persistent databases of `script` and `compose` sandboxes, created on the first deploy with persistent databases (`ephemeral_databases: false` or `(persistent databases)`); `openedx-ansible` and `tutor` declare their own.',
  );

const trigger = z
  .strictObject({
    teams: z
      .array(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected org/team-slug'))
      .default([])
      .describe('Members of these org teams may trigger sandboxes.'),
    min_permission: z
      .enum(permissionLevels)
      .default('write')
      .describe('Users with at least this repository permission may trigger sandboxes.'),
    allow_forks: z.boolean().default(false).describe('Deploy PRs from forks without a `/sandbox approve`.'),
    allow_forks_unisolated: z
      .boolean()
      .default(false)
      .describe(
        'Deploy fork PRs (approved, or with allow_forks) even where PR code would run as the bot’s own user (local provider without run_as isolation). Leave false unless you trust every fork author.',
      ),
    allow_drafts: z.boolean().default(false).describe('Deploy draft PRs.'),
  })
  .prefault({})
  .describe('Who may trigger a sandbox.');

const quotaKeys = {
  live_per_author:
    'Live sandboxes (deployed once, not archived) one author may have in this repository: PR sandboxes count per PR author, manual ones per creator (`slack:U…`, `cli:…`). One more PR waits, naming the quota and its holders, until a slot frees (an archive or delete) or a maintainer comments `/sandbox approve` on it; `create`, and redeploying an archived or never-deployed sandbox, are refused from every surface.',
  live_per_repository: 'Live sandboxes a repository may have (PR and manual together); the same waiting and refusal.',
  appservers_per_sandbox:
    'Running appservers one sandbox may keep (at least 2: the active one and a new candidate); past it, the oldest that are not active are terminated at once instead of after `retention.min_age`.',
} as const;
const quotaLimit = (what: string, min = 1) => z.number().int().min(min).nullable().describe(what);

const quotas = z
  .strictObject({
    live_per_author: quotaLimit(`${quotaKeys.live_per_author} null: no limit.`).default(null),
    live_per_repository: quotaLimit(`${quotaKeys.live_per_repository} null: no limit.`).default(null),
    appservers_per_sandbox: quotaLimit(`${quotaKeys.appservers_per_sandbox} null: no limit.`, 2).default(null),
  })
  .prefault({})
  .describe('Default quotas of every repository (each repository’s `quotas` overrides them key by key).');

const repositoryQuotas = z
  .strictObject({
    live_per_author: quotaLimit(
      `${quotaKeys.live_per_author} null: no limit; absent: the top-level \`quotas\`.`,
    ).optional(),
    live_per_repository: quotaLimit(
      `${quotaKeys.live_per_repository} null: no limit; absent: the top-level \`quotas\`.`,
    ).optional(),
    appservers_per_sandbox: quotaLimit(
      `${quotaKeys.appservers_per_sandbox} null: no limit; absent: the top-level \`quotas\`.`,
      2,
    ).optional(),
  })
  .prefault({})
  .describe('Quotas of this repository, overriding the top-level `quotas` key by key.');

export const repositorySchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'expected owner/name')
    .describe('GitHub repository, owner/name.'),
  url: z
    .string()
    .nullable()
    .default(null)
    .describe('Clone URL; default: the GitHub clone URL. Any git URL works, file:// included.'),
  recipe: z.enum(recipeNames).default('script').describe('How sandboxes of this repository are deployed.'),
  settings: settingsMapping.default({}).describe('Default settings (YAML mapping); PR settings are merged on top.'),
  fields: z
    .record(z.string(), z.string())
    .default({})
    .describe('Default field values (openedx_release, configuration_version, …).'),
  deny_settings: z
    .array(z.string())
    .default([])
    .describe('Extra setting keys (glob patterns) a PR may not set, on top of the built-in list.'),
  secret_settings: z
    .array(z.string())
    .default([])
    .describe(
      'Extra setting keys (names or glob patterns) whose values are secrets, on top of the names that look secret: masked on pages, redacted from logs, not given to forks.',
    ),
  ephemeral_databases: z
    .boolean()
    .nullable()
    .default(null)
    .describe('Database mode default for this repository; null: the global default.'),
  trigger,
  on_push: z.enum(['redeploy', 'ignore']).default('redeploy').describe('What a push to the PR does.'),
  archive_grace: duration('0s', 'How long after close/merge the sandbox is archived.'),
  ttl: optionalDuration(
    'PR sandboxes with no activity (push, command from any surface, status-page action) for this long are archived; null: never. `/sandbox extend` postpones it, `/sandbox pin` exempts one.',
  ),
  manual_ttl: optionalDuration('The same for manual sandboxes made from this repository; null: never.'),
  quotas: repositoryQuotas,
  sleep_after: optionalDuration(
    'A sandbox with no request through the load balancer for this long has its appserver stopped (the recipe’s stop phase); the next request shows a "waking up" page while the start phase runs. With nginx or HAProxy, see `load_balancer.sleep`; null: never sleeps. Sleeping time does not count towards `ttl`.',
  ),
  access: z
    .enum(['public', 'basic_auth'])
    .default('public')
    .describe(
      'Who reaches the sandboxes: `public` (anyone who knows the domain) or `basic_auth` (HTTP basic auth at the load balancer; the credentials show on the status page to signed-in people and in Slack status to people who may deploy, never on GitHub).',
    ),
  access_credentials_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
    .nullable()
    .default(null)
    .describe(
      'With `access: basic_auth`: name of an environment variable holding `user:password` shared by every sandbox of the repository; null: a random user and password per sandbox.',
    ),
  script: scriptRecipe.optional(),
  databases: repositoryDatabases,
  openedx_ansible: openedxAnsibleRecipe.prefault({}),
  tutor: tutorRecipe.prefault({}),
  compose: composeRecipe.prefault({}),
  init: z
    .string()
    .nullable()
    .default(null)
    .describe(
      'Command run once per data set, after deploy and before start (first deploy of a sandbox): service users, OAuth clients, sites.',
    ),
  tasks: z
    .record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'expected a lowercase task name'), z.string())
    .default({})
    .describe(
      'Named commands an operator runs later with `sbx task <instance> <name>` (audited), on the active appserver with the sandbox variables.',
    ),
  proxy: proxySettings,
  flavor: z
    .string()
    .nullable()
    .default(null)
    .describe(
      'OpenStack flavor of this repository’s VMs (from compute.openstack.flavor and allowed_flavors); null: compute.openstack.flavor. A PR may pick another allowed one with the setting `sandbox_flavor`.',
    ),
  security_groups: z
    .array(z.string())
    .default([])
    .describe(
      'Extra OpenStack security groups (existing, by unique name) this repository’s VMs join besides the bot’s own, e.g. database access.',
    ),
});

const sshHost = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lowercase name')
    .describe('Host name used in logs and commands.'),
  address: z.string().describe('Address or DNS name of the host.'),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().default('sandbox'),
  private_key_path: z.string().nullable().default(null).describe('Private key file; or set private_key_env.'),
  private_key_env: z
    .string()
    .nullable()
    .default(null)
    .describe('Name of an environment variable holding the private key.'),
  host_key_fingerprint: z
    .string()
    .nullable()
    .default(null)
    .describe('Pinned host key, SHA256:… as printed by ssh-keygen -lf.'),
  known_hosts: z.string().nullable().default(null).describe('known_hosts file holding the host key.'),
  capacity: z.number().int().min(0).default(10).describe('How many live appservers the host takes.'),
  port_range: portRange.default([20000, 29999]),
  work_root: z
    .string()
    .default('/var/lib/sandboxes')
    .describe('Directory that holds the appservers’ work directories.'),
  labels: z.array(z.string()).default([]),
});

const compute = z
  .strictObject({
    provider: z.enum(['local', 'ssh', 'openstack']).default('local').describe('Where appservers run.'),
    local: z
      .strictObject({
        work_root: z
          .string()
          .nullable()
          .default(null)
          .describe(
            'Work directories of local appservers; default /var/lib/sandbox-bot/appservers when the bot runs as root, else ~/.local/state/sandbox-bot/appservers. Keep it outside the bot’s folder and data directory: a checkout below the bot’s folder would pick up its package.json and node_modules. Every parent must be o+x; the root itself becomes root:<run_as> mode 0710.',
          ),
        run_as: z
          .string()
          .regex(/^[a-z_][a-z0-9_-]{0,23}$/, 'expected a lowercase OS user name of at most 24 characters')
          .nullable()
          .default('sbx-sandbox')
          .describe(
            'OS group, and name prefix of the users, local appservers run as: each sandbox gets a user of its own (<run_as>-1, <run_as>-2, …; created with useradd --system when missing) owning its directory (mode 0700), so PR code cannot read the bot’s data directory, .env, database or other sandboxes. Needs the bot to run as root; otherwise, or with null, PR code runs as the bot’s user (a warning at start and in sbx doctor) and fork PRs wait unless trigger.allow_forks_unisolated.',
          ),
        capacity: z.number().int().min(0).default(20),
        port_range: portRange
          .default([21000, 21999])
          .describe(
            "Ports of local appservers; keep them below the kernel's ephemeral range (ip_local_port_range, usually from 32768), or an outgoing connection can hold one.",
          ),
      })
      .prefault({}),
    hosts: z.array(sshHost).default([]).describe('SSH hosts (provider ssh).'),
    openstack: openstackSchema.nullable().default(null).describe('One VM per appserver (provider openstack).'),
  })
  .refine((value) => (value.provider === 'openstack') === (value.openstack !== null), {
    message: 'compute.provider openstack needs compute.openstack, and compute.openstack needs provider openstack',
    path: ['openstack'],
  })
  .prefault({});

const listenAddress = (fallback: number, what: string) =>
  z
    .union([
      z.number().int().min(1).max(65535),
      z.string().regex(/^[0-9a-f.:[\]]+:\d+$/, 'expected a port or address:port'),
    ])
    .default(fallback)
    .describe(what);

const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

const haproxyDefaults = { configDir: '/etc/haproxy/sandboxes', mainConfig: '/etc/haproxy/haproxy.cfg' };

export const haproxySchema = z.strictObject({
  host: z
    .string()
    .nullable()
    .default(null)
    .describe('Name of a compute host to reach HAProxy over SSH; null: this machine.'),
  config_dir: z
    .string()
    .default(haproxyDefaults.configDir)
    .describe(
      'Directory the bot owns and HAProxy loads with a second `-f` (every *.cfg in it): the sandbox frontend and one fragment per instance.',
    ),
  name_prefix: z
    .string()
    .regex(/^[a-z0-9_-]*$/)
    .default('sbx-')
    .describe('Prefix of the bot’s file, backend and userlist names.'),
  test_command: z
    .array(z.string())
    .default(['haproxy', '-c', '-f', haproxyDefaults.mainConfig, '-f', haproxyDefaults.configDir])
    .describe('argv that validates the whole configuration (without -q, so errors are reported).'),
  master_pid_file: z
    .string()
    .default('/run/haproxy.pid')
    .describe(
      'Pid file of the master-worker HAProxy (-W/-Ws); reloads send it USR2 and wait for the new worker (resent if dropped).',
    ),
  reload_command: z
    .array(z.string())
    .nullable()
    .default(null)
    .describe('argv that reloads HAProxy instead (e.g. a -sf restart); null: USR2 to the master, confirmed.'),
  listen: listenAddress(80, 'Port (or address:port) the sandbox frontend binds for HTTP.'),
  tls_listen: listenAddress(
    443,
    'Port (or address:port) the sandbox frontend binds for HTTPS (with load_balancer.tls).',
  ),
});

const acmeSchema = z
  .strictObject({
    directory_url: z
      .string()
      .url()
      .default('https://acme-v02.api.letsencrypt.org/directory')
      .describe('The ACME server’s directory (default: Let’s Encrypt production).'),
    email: z.string().email().describe('Contact address registered with the ACME account (expiry notices).'),
    terms_of_service_agreed: z
      .literal(true)
      .describe('Must be true: you agree to the ACME server’s terms of service for the account.'),
    renew_before: duration('30d', 'Renew when the certificate expires within this long.'),
    ca_file: z
      .string()
      .nullable()
      .default(null)
      .describe(
        'PEM file of the CA that signed the ACME server’s own HTTPS certificate, for a private ACME server; null: the system CAs.',
      ),
    dns_check: z
      .boolean()
      .default(true)
      .describe(
        'Before asking the ACME server to validate, wait until public DNS answers the _acme-challenge TXT record.',
      ),
  })
  .describe(
    'A *.<base_domain> certificate from an ACME server (DNS-01 through dns.gandi: the TXT record _acme-challenge.<base_domain> is created, then removed), kept in <data_dir>/tls and renewed by the renew_certificate job.',
  );

const tlsSchema = z
  .strictObject({
    certificate_file: z
      .string()
      .nullable()
      .default(null)
      .describe(
        'PEM file (certificate, then intermediates) on the bot’s machine; the bot installs it where the load balancer reads it, and again whenever the file changes.',
      ),
    certificate_env: envVarName.nullable().default(null).describe('Or: an environment variable holding that PEM.'),
    key_file: z.string().nullable().default(null).describe('PEM private key file on the bot’s machine.'),
    key_env: envVarName.nullable().default(null).describe('Or: an environment variable holding the key.'),
    acme: acmeSchema.optional(),
    redirect_http: z
      .boolean()
      .default(true)
      .describe('Answer plain HTTP on sandbox domains with a 308 redirect to HTTPS (false: serve both).'),
  })
  .refine(
    (tls) =>
      tls.acme !== undefined ||
      ((tls.certificate_file === null) !== (tls.certificate_env === null) &&
        (tls.key_file === null) !== (tls.key_env === null)),
    { message: 'give exactly one of certificate_file and certificate_env, and one of key_file and key_env (or acme)' },
  )
  .refine(
    (tls) =>
      tls.acme === undefined ||
      [tls.certificate_file, tls.certificate_env, tls.key_file, tls.key_env].every((value) => value === null),
    { message: 'acme obtains the certificate itself: remove certificate_file/_env and key_file/_env' },
  )
  .describe(
    'HTTPS for every sandbox domain with a certificate for *.<base_domain> (configured, or from ACME); apps get X-Forwarded-Proto: https.',
  );

const loadBalancer = z
  .strictObject({
    provider: z
      .enum(['builtin', 'nginx', 'haproxy'])
      .default('builtin')
      .describe('Who routes sandbox domains to appservers.'),
    builtin: z
      .strictObject({
        tls_port: z
          .number()
          .int()
          .min(0)
          .max(65535)
          .default(3443)
          .describe('With load_balancer.tls: the HTTPS port of the bot’s own proxy (on server.host).'),
      })
      .prefault({}),
    nginx: z
      .strictObject({
        host: z
          .string()
          .nullable()
          .default(null)
          .describe('Name of a compute host to reach nginx over SSH; null: this machine.'),
        config_dir: z.string().default('/etc/nginx/sites-enabled'),
        name_prefix: z
          .string()
          .regex(/^[a-z0-9_-]*$/)
          .default('sbx-'),
        test_command: z.array(z.string()).default(['nginx', '-t']).describe('argv that validates the configuration.'),
        reload_command: z.array(z.string()).default(['nginx', '-s', 'reload']).describe('argv that reloads nginx.'),
        listen: listenAddress(80, 'Port (or address:port) every fragment listens on.'),
        tls_listen: listenAddress(
          443,
          'Port (or address:port) every fragment listens on for HTTPS (with load_balancer.tls).',
        ),
      })
      .optional(),
    haproxy: haproxySchema.optional(),
    tls: tlsSchema.optional(),
    sleep: z
      .strictObject({
        bot_address: z
          .string()
          .regex(/^[a-z0-9.:-]+$/i, 'expected an IP address or a host name')
          .nullable()
          .default(null)
          .describe(
            'Address nginx/HAProxy reach the bot at: a sleeping sandbox’s requests go to <bot_address>:<server.port> (the waking page), and each proxied request sends one UDP syslog line to <bot_address>:<request_log_port>. null: server.host (127.0.0.1 for a wildcard); required when the load balancer runs on another host.',
          ),
        request_log_port: z
          .number()
          .int()
          .min(0)
          .max(65535)
          .default(5514)
          .describe(
            'UDP port the bot’s web process listens on (on server.host) for the request log nginx/HAProxy send (one line per request with the slug and client address), which keeps `last_request_at` for `sleep_after` and counts the activity report’s hits and visitors; 0: any free port.',
          ),
      })
      .prefault({})
      .describe(
        'Where nginx or HAProxy reach the bot: the request log (always, for the activity report and `sleep_after`) and the waking page (when a repository sets `sleep_after`); the builtin proxy needs none of it.',
      ),
  })
  .prefault({});

export const gandiSchema = z.strictObject({
  zone: z
    .string()
    .regex(/^[a-z0-9.-]+$/, 'expected a lowercase DNS name')
    .describe('The Gandi zone base_domain lives in (e.g. example.com for sandboxes.example.com).'),
  token_env: envVarName
    .default('GANDI_TOKEN')
    .describe(
      'Environment variable holding the Gandi personal access token (Bearer; it expires: rotate it there). Never in sandbox.yml.',
    ),
  record_type: z
    .enum(['A', 'CNAME'])
    .default('A')
    .describe('Each sandbox domain gets an A record (to an IPv4 address) or a CNAME (to a host name).'),
  target: z.string().min(1).describe('The load balancer: its IPv4 address (A) or its host name (CNAME).'),
  ttl: z.number().int().min(300).default(300).describe('Record TTL in seconds (Gandi’s minimum is 300).'),
  api_url: z.string().url().default('https://api.gandi.net/v5/livedns').describe('LiveDNS API base URL.'),
});

const dns = z
  .strictObject({
    provider: z
      .enum(['wildcard', 'gandi'])
      .default('wildcard')
      .describe(
        'wildcard: a *.<base_domain> record exists; nothing to do. gandi: a record per sandbox domain through Gandi LiveDNS.',
      ),
    gandi: gandiSchema.optional(),
  })
  .refine((value) => value.provider !== 'gandi' || value.gandi !== undefined, {
    message: 'dns.provider gandi needs a dns.gandi section (zone, target)',
    path: ['gandi'],
  })
  .refine(
    (value) =>
      value.gandi === undefined ||
      value.gandi.record_type !== 'A' ||
      /^(?:\d{1,3}\.){3}\d{1,3}$/.test(value.gandi.target),
    {
      message: 'dns.gandi.target must be an IPv4 address with record_type A (use CNAME for a host name)',
      path: ['gandi', 'target'],
    },
  )
  .prefault({});

const github = z
  .strictObject({
    app_id: z.string().nullable().default(null).describe('GitHub App id (env APP_ID).'),
    private_key: z
      .string()
      .nullable()
      .default(null)
      .describe('App private key PEM (env PRIVATE_KEY or PRIVATE_KEY_PATH).'),
    webhook_secret: z.string().nullable().default(null).describe('Webhook secret (env WEBHOOK_SECRET).'),
    client_id: z.string().nullable().default(null).describe('OAuth client id for sign-in (env GITHUB_CLIENT_ID).'),
    client_secret: z.string().nullable().default(null).describe('OAuth client secret (env GITHUB_CLIENT_SECRET).'),
    ghe_host: z.string().nullable().default(null).describe('GitHub Enterprise host (env GHE_HOST).'),
    ghe_protocol: z.enum(['https', 'http']).default('https').describe('env GHE_PROTOCOL'),
    webhook_proxy_url: z
      .string()
      .nullable()
      .default(null)
      .describe('smee.io-style proxy for development (env WEBHOOK_PROXY_URL).'),
    app_slug: z
      .string()
      .nullable()
      .default(null)
      .describe('The App’s slug, for `@slug redeploy` mentions (env APP_SLUG); default: asked from GitHub at start.'),
    sync_debounce: duration(
      '1s',
      'A pull request sync waits this long for more events (a burst of pushes deploys once, the newest commit).',
    ),
    throttle: z
      .boolean()
      .default(true)
      .describe('Octokit’s rate-limit throttling and retries; turn off only against a test double of the API.'),
  })
  .prefault({});

const slackActions = ['read', 'deploy', 'activate', 'archive', 'delete', 'create', 'pin', 'campaign'] as const;
export type SlackAction = (typeof slackActions)[number];

const slack = z
  .strictObject({
    bot_token: z.string().nullable().default(null).describe('Bot token xoxb-… (env SLACK_BOT_TOKEN).'),
    signing_secret: z.string().nullable().default(null).describe('Signing secret (env SLACK_SIGNING_SECRET).'),
    app_token: z
      .string()
      .nullable()
      .default(null)
      .describe('App-level token xapp-… for Socket Mode (env SLACK_APP_TOKEN).'),
    api_url: z.string().nullable().default(null).describe('Web API base URL (env SLACK_API_URL).'),
    permissions: z
      .partialRecord(z.enum(slackActions), z.array(z.string()))
      .default({})
      .describe(
        'Slack user ids (U…) and user-group ids (S…) per action (read, deploy, activate, archive, delete, create, pin, campaign: start or stop campaigns); `*` means everyone. Default: read for everyone, nothing else for anyone.',
      ),
    channels: z
      .strictObject({ failures: z.string().nullable().default(null).describe('Channel id for failure notifications.') })
      .prefault({}),
  })
  .prefault({});

const web = z
  .strictObject({
    auth: z
      .strictObject({
        orgs: z.array(z.string()).default([]).describe('Members of these GitHub orgs may sign in.'),
        teams: z
          .array(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected org/team-slug'))
          .default([])
          .describe('Members of these org/team slugs may sign in.'),
        public_read: z.boolean().default(false).describe('Read-only pages without sign-in.'),
        session_secret: z
          .string()
          .nullable()
          .default(null)
          .describe(
            'Signs session cookies (env SESSION_SECRET); generated and stored in the data directory when unset.',
          ),
        session_ttl: duration('12h', 'How long a sign-in lasts.'),
        local_token: z
          .string()
          .min(24)
          .nullable()
          .default(null)
          .describe(
            'Token of the local operator link (`/auth/local?token=…`) and setup code of `/probot` (env SBX_LOCAL_TOKEN); generated and stored in the data directory when unset. Web processes on several machines need the same one.',
          ),
        permissions: z
          .partialRecord(z.enum(['deploy', 'activate', 'cancel', 'archive', 'pin']), z.array(z.string()))
          .default({})
          .describe(
            'GitHub logins and org/team slugs allowed per action on the status pages (`deploy` also allows extend; `pin` allows pin and unpin); `*` means everyone signed in. Default: everyone signed in, except `pin`: nobody.',
          ),
      })
      .prefault({}),
  })
  .prefault({});

const worker = z
  .strictObject({
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(10)
      .describe(
        'Jobs run at once per worker process (env SBX_WORKER_CONCURRENCY); see docs/operations.md for measured guidance.',
      ),
    shutdown_grace: duration('30s', 'How long running jobs get to finish after SIGTERM.'),
    maintenance: z
      .boolean()
      .default(false)
      .describe(
        'Boot-time default of maintenance mode: on when the database holds no maintenance state yet (`sbx maintenance on|off` decides after that).',
      ),
  })
  .prefault({});

const expiry = z
  .strictObject({
    warn_before: duration(
      '24h',
      'How long before a sandbox expires the warning goes out (sticky comment, Slack notification channel); once per expiry.',
    ),
    max_extension: duration('30d', 'Furthest ahead `/sandbox extend` may move an expiry, counted from now.'),
  })
  .prefault({})
  .describe('Expiry of idle sandboxes (the TTL itself is per repository: `ttl`, `manual_ttl`).');

const retention = z
  .strictObject({
    min_age: duration(
      '1h',
      'Superseded appservers older than this are terminated (checked every 10 minutes and at each activation).',
    ),
    failed_min_age: duration(
      '1d',
      'Failed and errored appservers are terminated this long after they failed (their deploy log is kept).',
    ),
    logs_max_age: duration('30d', 'Deploy logs and runtime log chunks older than this are pruned.'),
    deliveries_max_age: duration(
      '30d',
      'Recorded webhook deliveries older than this are pruned (a redelivery after it is handled again).',
    ),
    failed_jobs_max_age: duration(
      '30d',
      'Jobs out of attempts (kept for inspection) are pruned this long after their last attempt.',
    ),
    audit_max_age: duration('365d', 'Audit events older than this are pruned.'),
    log_max_bytes: z
      .number()
      .int()
      .min(64 * 1024)
      .default(50 * 1024 * 1024)
      .describe(
        'Deploy log bytes stored per appserver; beyond it the oldest output is dropped (a marker line says how much) and the newest is kept. When more than this is waiting to be copied (a burst written faster than the bot copies it), its newest 8 MiB (or this, when smaller) and what follows are kept and the rest is skipped, so that what follows the burst is stored within a second.',
      ),
  })
  .prefault({});

const uptime = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Probe every active, awake sandbox’s health path through the load balancer once a minute.'),
    failures: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe('Failed probes in a row before a sandbox is reported down (check run, comment, Slack, status page).'),
    timeout: duration('10s', 'How long one probe waits for an answer.'),
    url: z
      .string()
      .regex(/^https?:\/\/[^/\s]+$/, 'expected http(s)://host:port without a path')
      .nullable()
      .default(null)
      .describe(
        'Where the probes reach the load balancer (each sends the sandbox’s domain as its Host header); null: the builtin proxy at server.host:server.port, or http://127.0.0.1:<listen port> of a local nginx/haproxy.',
      ),
  })
  .prefault({})
  .describe('Uptime probes of active sandboxes (sleeping and archived ones are not probed).');

const runtimeLog = z
  .strictObject({
    max_bytes: z
      .number()
      .int()
      .min(4 * 1024)
      .default(1024 * 1024)
      .describe(
        'Bytes of a running appserver’s own output (the start phase’s, after it became healthy) kept per appserver; beyond it the oldest is dropped (a marker line says how much).',
      ),
    interval: duration(
      '15s',
      'How often a running appserver’s new output is copied from its host (one short job per running appserver).',
    ),
  })
  .prefault({})
  .describe('The runtime log: shown on the status page, by `sbx logs --runtime` and `/sandbox logs --runtime`.');

const cli = z
  .strictObject({
    admins: z
      .array(z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$/i, 'expected an OS login name'))
      .default([])
      .describe(
        'OS login names that may run admin-only `sbx` commands (`sbx exec`); checked against the user running sbx, not SBX_ACTOR. Empty: root and the owner of the data directory (the bot’s own user).',
      ),
  })
  .prefault({});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');
const serverName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lowercase name');
const databaseServer = (example: string) =>
  z.strictObject({
    name: serverName.describe('Server name used in logs, pages and `sbx doctor`.'),
    url_env: envName.describe(`Name of the environment variable holding the admin URL, e.g. ${example}.`),
    accepts_new: z
      .boolean()
      .default(true)
      .describe(
        'New sandboxes may be placed here (a random one among those accepting); sandboxes placed earlier stay either way.',
      ),
  });
const uniqueNames = (servers: { name: string }[], context: z.RefinementCtx) => {
  const seen = new Set<string>();
  servers.forEach((server, index) => {
    if (seen.has(server.name))
      context.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate server name ${server.name}` });
    seen.add(server.name);
  });
};

const databases = z
  .strictObject({
    mysql: z
      .array(
        databaseServer(
          'mysql://admin:pw@db.example.com:3306 (a user that may create databases and users, WITH GRANT OPTION)',
        ),
      )
      .default([])
      .superRefine(uniqueNames)
      .describe('MySQL/MariaDB servers for persistent databases.'),
    mongodb: z
      .array(
        databaseServer(
          'mongodb://admin:pw@mongo.example.com:27017/?authSource=admin (userAdminAnyDatabase and dropDatabase rights)',
        ),
      )
      .default([])
      .superRefine(uniqueNames)
      .describe('MongoDB servers for persistent databases.'),
    rabbitmq: z
      .array(
        databaseServer('http://admin:pw@rabbit.example.com:15672 (the management API; an administrator user)').extend({
          amqp_url: z
            .string()
            .regex(/^amqps?:\/\/[^/@\s]+$/, 'expected amqp://host:port or amqps://host:port, without credentials')
            .nullable()
            .default(null)
            .describe(
              'Where sandboxes connect, e.g. amqps://rabbit.example.com:5671; default amqp://<management host>:5672.',
            ),
        }),
      )
      .default([])
      .superRefine(uniqueNames)
      .describe('RabbitMQ servers (management plugin) for persistent virtual hosts.'),
    snapshot_dir: z
      .string()
      .nullable()
      .default(null)
      .describe('Where `sbx db snapshot` keeps archives; default <data_dir>/snapshots.'),
  })
  .prefault({})
  .describe('Registered servers for persistent databases (SPEC §5).');

export const configSchema = z
  .strictObject({
    base_domain: z
      .string()
      .regex(/^[a-z0-9.-]+$/, 'expected a lowercase DNS name')
      .default('localhost')
      .describe('Sandboxes live at <slug>.<base_domain>.'),
    public_url: z
      .string()
      .nullable()
      .default(null)
      .describe('Where people reach the bot; default http://localhost:<port>.'),
    data_dir: z.string().default('./.data').describe('Embedded PostgreSQL data and local state (env SBX_DATA_DIR).'),
    server: z
      .strictObject({
        host: z.string().default('127.0.0.1').describe('Listen address (env HOST).'),
        port: z.number().int().min(0).max(65535).default(3000).describe('Listen port (env PORT).'),
        drain: duration(
          '0s',
          'After SIGTERM, how long a web process keeps serving while `/readyz` answers 503 (`shutdown: draining`), so a load balancer that health-checks `/readyz` takes it out before it stops listening; set it above the check interval times the failures that mark a server down. Requests in flight when it stops listening get up to 10 s more (env SBX_DRAIN).',
        ),
      })
      .prefault({}),
    database: z
      .strictObject({
        url: z
          .string()
          .nullable()
          .default(null)
          .describe('PostgreSQL URL (env DATABASE_URL); unset: embedded PostgreSQL.'),
      })
      .prefault({}),
    log: z
      .strictObject({
        level: z
          .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
          .default('info')
          .describe('env LOG_LEVEL'),
        format: z.enum(['json', 'pretty', 'auto']).default('auto').describe('env LOG_FORMAT; auto: pretty on a TTY.'),
      })
      .prefault({}),
    naming: z
      .strictObject({
        slug_template: z
          .string()
          .default('pr{number}-{repo}')
          .describe('Slug of PR sandboxes; placeholders {number} {repo} {owner} {branch}.'),
        reserved_slugs: z
          .array(z.string().regex(/^[a-z0-9-]+$/))
          .default([])
          .describe('Slugs no sandbox may take, on top of www and the bot’s own host name.'),
      })
      .prefault({}),
    defaults: z
      .strictObject({
        fields: z.record(z.string(), z.string()).default({}).describe('Global default field values.'),
        ephemeral_databases: z.boolean().default(true).describe('Global database mode default.'),
      })
      .prefault({}),
    deny_settings: z
      .array(z.string())
      .default([])
      .describe('Setting keys (glob patterns) no PR may set, on top of the built-in list.'),
    repositories: z.array(repositorySchema).default([]).describe('Watched repositories.'),
    databases,
    compute,
    load_balancer: loadBalancer,
    dns,
    github,
    slack,
    web,
    worker,
    runtime_log: runtimeLog,
    cli,
    expiry,
    retention,
    uptime,
    quotas,
  })
  .superRefine((config, context) => {
    // A remote nginx/HAProxy cannot reach the bot at its loopback default: it must be told where.
    const lb = config.load_balancer;
    if (lb.provider === 'builtin' || lb.sleep.bot_address !== null) return;
    const remote = (lb.provider === 'nginx' ? lb.nginx?.host : lb.haproxy?.host) ?? null;
    if (remote === null) return;
    config.repositories.forEach((repository, index) => {
      if (repository.sleep_after !== null)
        context.addIssue({
          code: 'custom',
          path: ['repositories', index, 'sleep_after'],
          message: `sleep and wake with ${lb.provider} on host ${remote} need load_balancer.sleep.bot_address: the address ${remote} reaches the bot at`,
        });
    });
  })
  .superRefine((config, context) => {
    // A flavor or security group is only honoured by the OpenStack provider: refused elsewhere, and checked against the allow-list.
    const openstack = config.compute.openstack;
    config.repositories.forEach((repository, index) => {
      for (const key of ['flavor', 'security_groups'] as const) {
        const set = key === 'flavor' ? repository.flavor !== null : repository.security_groups.length > 0;
        if (set && !openstack)
          context.addIssue({
            code: 'custom',
            path: ['repositories', index, key],
            message: `${key} needs compute.provider openstack (it is ${config.compute.provider}); remove it`,
          });
      }
      if (openstack && repository.flavor !== null && !allowedFlavors(openstack).includes(repository.flavor))
        context.addIssue({
          code: 'custom',
          path: ['repositories', index, 'flavor'],
          message: `flavor ${repository.flavor} is not allowed; add it to compute.openstack.allowed_flavors or pick one of ${allowedFlavors(openstack).join(', ')}`,
        });
    });
  })
  .superRefine((config, context) => {
    // DNS-01 is the only challenge a wildcard certificate can pass; the bot answers it through Gandi.
    if (config.load_balancer.tls?.acme && config.dns.provider !== 'gandi')
      context.addIssue({
        code: 'custom',
        path: ['load_balancer', 'tls', 'acme'],
        message: `acme answers the DNS-01 challenge through dns.provider gandi (it is ${config.dns.provider}); configure dns.gandi or give certificate_file and key_file`,
      });
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type RepositoryConfig = z.output<typeof repositorySchema>;
export type SshHostConfig = z.output<typeof sshHost>;
export type { OpenstackConfig } from './openstack-schema';
export type DatabasesConfig = z.output<typeof databases>;
