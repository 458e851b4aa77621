import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { SandboxError } from '../core/errors';
import { settingsToJsOptions, settingsYamlOptions } from '../core/settings/yaml-options';
import { findIgnoredKeys } from './ignored-keys';
import { configSchema, type Config } from './schema';

export interface LoadConfigOptions {
  // A plain record, not NodeJS.ProcessEnv: Probot narrows some variables (LOG_LEVEL, LOG_FORMAT) in that global type.
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** Thrown when the configuration is invalid; `problems` lists every one, each with its path. */
export class ConfigError extends SandboxError {
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super('config_invalid', `invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/**
 * Loads `SBX_CONFIG` (default ./sandbox.yml; optional unless SBX_CONFIG names
 * it), folds in environment variables (secrets and the usual overrides),
 * validates against the one schema and returns a deeply frozen Config.
 */
export function loadConfig({ env = process.env, cwd = process.cwd() }: LoadConfigOptions = {}): Config {
  const path = resolve(cwd, env.SBX_CONFIG ?? 'sandbox.yml');
  const source = env.SBX_CONFIG ?? 'sandbox.yml';
  let fileValues: Record<string, unknown> = {};
  if (existsSync(path)) {
    fileValues = readYamlFile(path, source);
  } else if (env.SBX_CONFIG) {
    throw new ConfigError(source, [`file not found: ${path}; create it or unset SBX_CONFIG`]);
  }
  const merged = applyEnv(fileValues, env, source);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(source, formatIssues(result.error.issues));
  const ignored = findIgnoredKeys(merged);
  if (ignored.length > 0)
    throw new ConfigError(
      source,
      ignored.map((key) => `${key.path}: accepted by the schema but ignored here: ${key.message}`),
    );
  const config = result.data;
  config.data_dir = resolve(cwd, config.data_dir);
  config.public_url ??= `http://localhost:${config.server.port}`;
  config.public_url = config.public_url.replace(/\/+$/, '');
  return deepFreeze(config);
}

function readYamlFile(path: string, source: string): Record<string, unknown> {
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map(
        (e) => `line ${e.linePos?.[0].line ?? '?'} column ${e.linePos?.[0].col ?? '?'}: ${e.message.split('\n')[0]}`,
      ),
    );
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(source, ['the file must be a YAML mapping (key: value lines) at the top level']);
  }
  return withSettingsReadAsInPullRequests(value as Record<string, unknown>, text);
}

/**
 * Repository default settings are merged with a PR's Settings block and end
 * up in the same vars file, so they are read with the same YAML rules (YAML
 * 1.1 as PyYAML reads it: `yes` is true there). The rest of the file is plain
 * YAML 1.2. The file is read a second time with the settings rules and only
 * `repositories[].settings` is taken from that reading.
 */
function withSettingsReadAsInPullRequests(values: Record<string, unknown>, text: string): Record<string, unknown> {
  if (!Array.isArray(values.repositories)) return values;
  const asSettings: unknown = parseDocument(text, settingsYamlOptions).toJS(settingsToJsOptions);
  const repositories = (asSettings as { repositories?: unknown } | null)?.repositories;
  if (!Array.isArray(repositories)) return values;
  return {
    ...values,
    repositories: values.repositories.map((repository: unknown, i) => {
      const settings = (repositories[i] as { settings?: unknown } | undefined)?.settings;
      return repository && typeof repository === 'object' && 'settings' in repository && settings !== undefined
        ? { ...repository, settings }
        : repository;
    }),
  };
}

type EnvBinding = { env: string; path: string[]; parse?: (raw: string) => unknown };

/** Digits become a number (zod then checks the range); anything else is left for zod to refuse. */
const toInteger = (raw: string): unknown => (/^\d+$/.test(raw) ? Number(raw) : raw);

/** Environment variables that override configuration values (secrets belong here). */
export const envBindings: EnvBinding[] = [
  { env: 'DATABASE_URL', path: ['database', 'url'] },
  { env: 'SBX_DATA_DIR', path: ['data_dir'] },
  { env: 'PORT', path: ['server', 'port'], parse: toInteger },
  { env: 'HOST', path: ['server', 'host'] },
  { env: 'SBX_DRAIN', path: ['server', 'drain'] },
  { env: 'SBX_WORKER_CONCURRENCY', path: ['worker', 'concurrency'], parse: toInteger },
  { env: 'PUBLIC_URL', path: ['public_url'] },
  { env: 'BASE_DOMAIN', path: ['base_domain'] },
  { env: 'LOG_LEVEL', path: ['log', 'level'] },
  { env: 'LOG_FORMAT', path: ['log', 'format'] },
  { env: 'APP_ID', path: ['github', 'app_id'] },
  { env: 'PRIVATE_KEY', path: ['github', 'private_key'], parse: (raw) => raw.replace(/\\n/g, '\n') },
  { env: 'WEBHOOK_SECRET', path: ['github', 'webhook_secret'] },
  { env: 'GITHUB_CLIENT_ID', path: ['github', 'client_id'] },
  { env: 'GITHUB_CLIENT_SECRET', path: ['github', 'client_secret'] },
  { env: 'GHE_HOST', path: ['github', 'ghe_host'] },
  { env: 'GHE_PROTOCOL', path: ['github', 'ghe_protocol'] },
  { env: 'WEBHOOK_PROXY_URL', path: ['github', 'webhook_proxy_url'] },
  { env: 'APP_SLUG', path: ['github', 'app_slug'] },
  { env: 'SLACK_BOT_TOKEN', path: ['slack', 'bot_token'] },
  { env: 'SLACK_SIGNING_SECRET', path: ['slack', 'signing_secret'] },
  { env: 'SLACK_APP_TOKEN', path: ['slack', 'app_token'] },
  { env: 'SLACK_API_URL', path: ['slack', 'api_url'] },
  { env: 'SESSION_SECRET', path: ['web', 'auth', 'session_secret'] },
  { env: 'SBX_LOCAL_TOKEN', path: ['web', 'auth', 'local_token'] },
];

function applyEnv(values: Record<string, unknown>, env: NodeJS.ProcessEnv, source: string): Record<string, unknown> {
  const result = structuredClone(values);
  for (const binding of envBindings) {
    const raw = env[binding.env];
    if (raw === undefined || raw === '') continue;
    setPath(result, binding.path, binding.parse ? binding.parse(raw) : raw);
  }
  const keyPath = env.PRIVATE_KEY_PATH;
  if (keyPath && !env.PRIVATE_KEY) {
    try {
      setPath(result, ['github', 'private_key'], readFileSync(keyPath, 'utf8'));
    } catch (error) {
      throw new ConfigError(source, [
        `PRIVATE_KEY_PATH: cannot read ${keyPath} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      ]);
    }
  }
  return result;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** `repositories[0].recipe: expected one of script, compose, openedx-ansible, tutor` */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    const at = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map(
        (key) => `${at ? `${at}.` : ''}${key}: unknown key (check the spelling; see docs/configuration.md)`,
      );
    }
    if (issue.code === 'invalid_value') {
      return [`${at || '(root)'}: expected one of ${issue.values.map(String).join(', ')}`];
    }
    if (issue.code === 'invalid_type') {
      return [`${at || '(root)'}: expected ${issue.expected}`];
    }
    return [`${at || '(root)'}: ${issue.message}`];
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
    '',
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
