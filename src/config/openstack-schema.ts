import { z } from 'zod';
import { parseDuration } from '../core/duration';

/**
 * `compute.openstack`: one VM per appserver (issue 15). Imported by
 * schema.ts; kept apart so the compute provider's keys read as one block.
 */

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');
const timeout = (fallback: string, what: string) =>
  z
    .string()
    .regex(/^\d+(ms|s|m|h)$/, 'expected a duration such as 30s or 5m')
    .default(fallback)
    .describe(what)
    .transform((text) => parseDuration(text));

const ingressRule = z
  .strictObject({
    protocol: z.enum(['tcp', 'udp', 'icmp']).default('tcp'),
    port: z
      .union([
        z.number().int().min(1).max(65535),
        z
          .tuple([z.number().int().min(1).max(65535), z.number().int().min(1).max(65535)])
          .refine(([low, high]) => low <= high, 'expected [low, high] with low <= high'),
      ])
      .nullable()
      .default(null)
      .describe('A port or [low, high]; null only with icmp.'),
    remote_ip_prefix: z
      .string()
      .regex(/^[0-9a-f.:]+\/\d{1,3}$/i, 'expected a CIDR such as 0.0.0.0/0')
      .default('0.0.0.0/0'),
  })
  .refine((rule) => (rule.protocol === 'icmp') === (rule.port === null), {
    message: 'give a port for tcp and udp rules, and none for icmp',
  });

export const openstackSchema = z
  .strictObject({
    auth_url: z.string().url().describe('Keystone v3, e.g. https://keystone.example.org:5000/v3.'),
    region: z.string().nullable().default(null).describe('Region of the endpoints; null: any.'),
    interface: z.enum(['public', 'internal', 'admin']).default('public').describe('Catalog interface used.'),
    application_credential_id_env: envName
      .nullable()
      .default(null)
      .describe(
        'Environment variable holding an application credential id (recommended; it is scoped to its project).',
      ),
    application_credential_secret_env: envName
      .nullable()
      .default(null)
      .describe('Environment variable holding that application credential’s secret.'),
    username: z.string().nullable().default(null).describe('Or password auth: the user name.'),
    password_env: envName.nullable().default(null).describe('Environment variable holding the user’s password.'),
    user_domain: z.string().default('Default').describe('Domain name of the user (password auth).'),
    project: z.string().nullable().default(null).describe('Project name the token is scoped to (password auth).'),
    project_domain: z.string().default('Default').describe('Domain name of the project (password auth).'),
    image: z.string().describe('Name of the (active, unique) image every VM boots.'),
    network: z.string().describe('Name of the network the VMs join; the bot reaches them on their fixed IPv4.'),
    flavor: z.string().describe('Default flavor of a VM.'),
    allowed_flavors: z
      .array(z.string())
      .default([])
      .describe(
        'Other flavors a repository (`flavor`) or a PR (setting `sandbox_flavor`) may pick; anything else is refused.',
      ),
    key_name: z
      .string()
      .default('sandbox-bot')
      .describe('Key pair the VMs get; the bot creates it from its SSH key and refuses one holding another key.'),
    name_prefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lowercase name prefix')
      .default('sbx-')
      .describe(
        'VM names are <prefix><appserver id>-<slug>. Reconcile deletes every VM with this prefix that no appserver owns: never share it with other machines of the project.',
      ),
    security_group: z
      .strictObject({
        name: z.string().default('sandbox-bot').describe('The bot’s own group; created when missing.'),
        rules: z
          .array(ingressRule)
          .default([22, 80, 443].map((port) => ({ protocol: 'tcp' as const, port, remote_ip_prefix: '0.0.0.0/0' })))
          .describe(
            'Every ingress rule of that group. Reconcile adds missing rules and removes others (e.g. added by hand).',
          ),
      })
      .prefault({}),
    ssh: z
      .strictObject({
        user: z.string().default('debian').describe('Login user of the image (with the key pair’s key).'),
        port: z.number().int().min(1).max(65535).default(22),
        private_key_path: z.string().nullable().default(null).describe('Private key file; or set private_key_env.'),
        private_key_env: envName
          .nullable()
          .default(null)
          .describe('Environment variable holding the private key (its public half becomes the key pair).'),
      })
      .refine((ssh) => (ssh.private_key_path === null) !== (ssh.private_key_env === null), {
        message: 'give exactly one of private_key_path and private_key_env',
      })
      .describe(
        'How the bot logs in. Each VM gets a host key made by the bot (cloud-init), so the bot pins it without trusting on first use.',
      ),
    work_root: z
      .string()
      .default('/srv/sandboxes')
      .describe('Work directories on the VM (cloud-init makes it, owned by ssh.user).'),
    port_range: z
      .tuple([z.number().int().min(1).max(65535), z.number().int().min(1).max(65535)])
      .refine(([low, high]) => low <= high, 'expected [low, high] with low <= high')
      .default([8000, 8099])
      .describe('Ports appservers listen on inside the VM (the first free one is used).'),
    boot_timeout: timeout('10m', 'From POST /servers until ACTIVE; then the VM is deleted and the appserver fails.'),
    ssh_timeout: timeout('5m', 'From ACTIVE until SSH answers with the work root writable.'),
    poll_interval: timeout('2s', 'How often the bot asks for the server’s state while waiting.'),
    ssh_override: z
      .strictObject({
        address: z.string(),
        port: z.number().int().min(1).max(65535),
        host_key_fingerprint: z.string().regex(/^SHA256:/, 'expected SHA256:… as printed by ssh-keygen -lf'),
      })
      .nullable()
      .default(null)
      .describe(
        'Testing only: reach every VM at this SSH address instead of its fixed IP (for clouds whose fake driver boots nothing, as in the test suite). Never set it in production.',
      ),
  })
  .refine(
    (os) =>
      (os.application_credential_id_env !== null && os.application_credential_secret_env !== null) !==
      (os.username !== null && os.password_env !== null && os.project !== null),
    {
      message:
        'give either application_credential_id_env and application_credential_secret_env, or username, password_env and project',
    },
  );

export type OpenstackConfig = z.output<typeof openstackSchema>;

/** Every flavor a repository or PR may pick: the default and the allow-list. */
export const allowedFlavors = (openstack: OpenstackConfig): string[] => [
  ...new Set([openstack.flavor, ...openstack.allowed_flavors]),
];
