import { z } from 'zod';
import { parseDuration } from '../core/duration';

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
    deploy: z.string().default('true').describe('Shell command run in the checkout to build the sandbox; its output is followed into the log.'),
    start: z.string().describe('Long-running command that serves the sandbox; it gets PORT and the sandbox env file.'),
    stop: z.string().nullable().default(null).describe('Command that stops the service; default: kill the started process group.'),
    destroy: z.string().nullable().default(null).describe('Command that destroys data on delete; default: remove the work directory.'),
    health_path: z.string().default('/').describe('HTTP path that must answer 2xx before the appserver counts as running.'),
    health_timeout: duration('5m', 'How long the health check may take before the appserver fails.'),
    extra_domain_prefixes: z.array(z.string().regex(/^[a-z0-9-]+$/)).default([]).describe('Extra sub-domain prefixes routed to the same appserver, e.g. [studio] gives studio-<slug>.<base_domain>.'),
  })
  .describe('Phases of the `script` recipe.');

const trigger = z
  .strictObject({
    teams: z.array(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected org/team-slug')).default([]).describe('Members of these org teams may trigger sandboxes.'),
    min_permission: z.enum(permissionLevels).default('write').describe('Users with at least this repository permission may trigger sandboxes.'),
    allow_forks: z.boolean().default(false).describe('Deploy PRs from forks without a `/sandbox approve`.'),
    allow_forks_unisolated: z
      .boolean()
      .default(false)
      .describe('Deploy fork PRs (approved, or with allow_forks) even where PR code would run as the bot’s own user (local provider without run_as isolation). Leave false unless you trust every fork author.'),
    allow_drafts: z.boolean().default(false).describe('Deploy draft PRs.'),
  })
  .prefault({})
  .describe('Who may trigger a sandbox.');

export const repositorySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'expected owner/name').describe('GitHub repository, owner/name.'),
  url: z.string().nullable().default(null).describe('Clone URL; default: the GitHub clone URL. Any git URL works, file:// included.'),
  recipe: z.enum(recipeNames).default('script').describe('How sandboxes of this repository are deployed.'),
  settings: settingsMapping.default({}).describe('Default settings (YAML mapping); PR settings are merged on top.'),
  fields: z.record(z.string(), z.string()).default({}).describe('Default field values (openedx_release, configuration_version, …).'),
  deny_settings: z.array(z.string()).default([]).describe('Extra setting keys (glob patterns) a PR may not set, on top of the built-in list.'),
  secret_settings: z
    .array(z.string())
    .default([])
    .describe('Extra setting keys (names or glob patterns) whose values are secrets, on top of the names that look secret: masked on pages, redacted from logs, not given to forks.'),
  ephemeral_databases: z.boolean().nullable().default(null).describe('Database mode default for this repository; null: the global default.'),
  trigger,
  on_push: z.enum(['redeploy', 'ignore']).default('redeploy').describe('What a push to the PR does.'),
  archive_grace: duration('0s', 'How long after close/merge the sandbox is archived.'),
  ttl: optionalDuration('Idle sandboxes expire after this long; null: never.'),
  access: z
    .enum(['public', 'basic_auth'])
    .default('public')
    .describe('Who reaches the sandboxes: `public` (anyone who knows the domain) or `basic_auth` (HTTP basic auth at the load balancer; the credentials show on the status page to signed-in people and in Slack status to people who may deploy, never on GitHub).'),
  access_credentials_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
    .nullable()
    .default(null)
    .describe('With `access: basic_auth`: name of an environment variable holding `user:password` shared by every sandbox of the repository; null: a random user and password per sandbox.'),
  script: scriptRecipe.optional(),
});

const sshHost = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lowercase name').describe('Host name used in logs and commands.'),
  address: z.string().describe('Address or DNS name of the host.'),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().default('sandbox'),
  private_key_path: z.string().nullable().default(null).describe('Private key file; or set private_key_env.'),
  private_key_env: z.string().nullable().default(null).describe('Name of an environment variable holding the private key.'),
  host_key_fingerprint: z.string().nullable().default(null).describe('Pinned host key, SHA256:… as printed by ssh-keygen -lf.'),
  known_hosts: z.string().nullable().default(null).describe('known_hosts file holding the host key.'),
  capacity: z.number().int().min(0).default(10).describe('How many live appservers the host takes.'),
  port_range: portRange.default([20000, 29999]),
  work_root: z.string().default('/var/lib/sandboxes').describe('Directory that holds the appservers’ work directories.'),
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
        port_range: portRange.default([21000, 21999]).describe("Ports of local appservers; keep them below the kernel's ephemeral range (ip_local_port_range, usually from 32768), or an outgoing connection can hold one."),
      })
      .prefault({}),
    hosts: z.array(sshHost).default([]).describe('SSH hosts (provider ssh).'),
  })
  .prefault({});

const loadBalancer = z
  .strictObject({
    provider: z.enum(['builtin', 'nginx', 'haproxy']).default('builtin').describe('Who routes sandbox domains to appservers.'),
    nginx: z
      .strictObject({
        host: z.string().nullable().default(null).describe('Name of a compute host to reach nginx over SSH; null: this machine.'),
        config_dir: z.string().default('/etc/nginx/sites-enabled'),
        name_prefix: z.string().regex(/^[a-z0-9_-]*$/).default('sbx-'),
        test_command: z.array(z.string()).default(['nginx', '-t']).describe('argv that validates the configuration.'),
        reload_command: z.array(z.string()).default(['nginx', '-s', 'reload']).describe('argv that reloads nginx.'),
        listen: z.union([z.number().int().min(1).max(65535), z.string().regex(/^[0-9a-f.:[\]]+:\d+$/, 'expected a port or address:port')]).default(80).describe('Port (or address:port) every fragment listens on.'),
      })
      .optional(),
  })
  .prefault({});

const dns = z
  .strictObject({
    provider: z.enum(['wildcard', 'gandi']).default('wildcard').describe('wildcard: a *.<base_domain> record exists; nothing to do.'),
    gandi: z.strictObject({ api_key: z.string().nullable().default(null), zone: z.string() }).optional(),
  })
  .prefault({});

const github = z
  .strictObject({
    app_id: z.string().nullable().default(null).describe('GitHub App id (env APP_ID).'),
    private_key: z.string().nullable().default(null).describe('App private key PEM (env PRIVATE_KEY or PRIVATE_KEY_PATH).'),
    webhook_secret: z.string().nullable().default(null).describe('Webhook secret (env WEBHOOK_SECRET).'),
    client_id: z.string().nullable().default(null).describe('OAuth client id for sign-in (env GITHUB_CLIENT_ID).'),
    client_secret: z.string().nullable().default(null).describe('OAuth client secret (env GITHUB_CLIENT_SECRET).'),
    ghe_host: z.string().nullable().default(null).describe('GitHub Enterprise host (env GHE_HOST).'),
    ghe_protocol: z.enum(['https', 'http']).default('https').describe('env GHE_PROTOCOL'),
    webhook_proxy_url: z.string().nullable().default(null).describe('smee.io-style proxy for development (env WEBHOOK_PROXY_URL).'),
    app_slug: z.string().nullable().default(null).describe('The App’s slug, for `@slug redeploy` mentions (env APP_SLUG); default: asked from GitHub at start.'),
    sync_debounce: duration('1s', 'A pull request sync waits this long for more events (a burst of pushes deploys once, the newest commit).'),
    throttle: z.boolean().default(true).describe('Octokit’s rate-limit throttling and retries; turn off only against a test double of the API.'),
  })
  .prefault({});

const slackActions = ['read', 'deploy', 'activate', 'archive', 'delete', 'create'] as const;
export type SlackAction = (typeof slackActions)[number];

const slack = z
  .strictObject({
    bot_token: z.string().nullable().default(null).describe('Bot token xoxb-… (env SLACK_BOT_TOKEN).'),
    signing_secret: z.string().nullable().default(null).describe('Signing secret (env SLACK_SIGNING_SECRET).'),
    app_token: z.string().nullable().default(null).describe('App-level token xapp-… for Socket Mode (env SLACK_APP_TOKEN).'),
    api_url: z.string().nullable().default(null).describe('Web API base URL (env SLACK_API_URL).'),
    permissions: z
      .partialRecord(z.enum(slackActions), z.array(z.string()))
      .default({})
      .describe('Slack user ids (U…) and user-group ids (S…) per action; `*` means everyone. Default: read for everyone.'),
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
        teams: z.array(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected org/team-slug')).default([]).describe('Members of these org/team slugs may sign in.'),
        public_read: z.boolean().default(false).describe('Read-only pages without sign-in.'),
        session_secret: z.string().nullable().default(null).describe('Signs session cookies (env SESSION_SECRET); generated and stored in the data directory when unset.'),
        session_ttl: duration('12h', 'How long a sign-in lasts.'),
        permissions: z
          .partialRecord(z.enum(['deploy', 'activate', 'cancel', 'archive']), z.array(z.string()))
          .default({})
          .describe('GitHub logins and org/team slugs allowed per action on the status pages; `*` means everyone signed in. Default: everyone signed in.'),
      })
      .prefault({}),
  })
  .prefault({});

const worker = z
  .strictObject({
    concurrency: z.number().int().min(1).max(100).default(10).describe('Jobs run at once per worker process.'),
    shutdown_grace: duration('30s', 'How long running jobs get to finish after SIGTERM.'),
    maintenance: z.boolean().default(false).describe('Start in maintenance mode: the worker takes no jobs.'),
  })
  .prefault({});

const retention = z
  .strictObject({
    min_age: duration('1h', 'Superseded appservers older than this are terminated.'),
    logs_max_age: duration('30d', 'Deploy logs older than this are pruned.'),
    log_max_bytes: z
      .number()
      .int()
      .min(64 * 1024)
      .default(50 * 1024 * 1024)
      .describe('Deploy log bytes stored per appserver; beyond it the oldest output is dropped (a marker line says how much) and the newest is kept.'),
  })
  .prefault({});

export const configSchema = z.strictObject({
  base_domain: z.string().regex(/^[a-z0-9.-]+$/, 'expected a lowercase DNS name').default('localhost').describe('Sandboxes live at <slug>.<base_domain>.'),
  public_url: z.string().nullable().default(null).describe('Where people reach the bot; default http://localhost:<port>.'),
  data_dir: z.string().default('./.data').describe('Embedded PostgreSQL data and local state (env SBX_DATA_DIR).'),
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1').describe('Listen address (env HOST).'),
      port: z.number().int().min(0).max(65535).default(3000).describe('Listen port (env PORT).'),
    })
    .prefault({}),
  database: z
    .strictObject({ url: z.string().nullable().default(null).describe('PostgreSQL URL (env DATABASE_URL); unset: embedded PostgreSQL.') })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('env LOG_LEVEL'),
      format: z.enum(['json', 'pretty', 'auto']).default('auto').describe('env LOG_FORMAT; auto: pretty on a TTY.'),
    })
    .prefault({}),
  naming: z
    .strictObject({
      slug_template: z.string().default('pr{number}-{repo}').describe('Slug of PR sandboxes; placeholders {number} {repo} {owner} {branch}.'),
    })
    .prefault({}),
  defaults: z
    .strictObject({
      fields: z.record(z.string(), z.string()).default({}).describe('Global default field values.'),
      ephemeral_databases: z.boolean().default(true).describe('Global database mode default.'),
    })
    .prefault({}),
  deny_settings: z.array(z.string()).default([]).describe('Setting keys (glob patterns) no PR may set, on top of the built-in list.'),
  repositories: z.array(repositorySchema).default([]).describe('Watched repositories.'),
  compute,
  load_balancer: loadBalancer,
  dns,
  github,
  slack,
  web,
  worker,
  retention,
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type RepositoryConfig = z.output<typeof repositorySchema>;
export type SshHostConfig = z.output<typeof sshHost>;
