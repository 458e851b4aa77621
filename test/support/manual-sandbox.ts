import type { Actor, Instance } from '../../src/core/model';
import { createManualInstance } from '../../src/core/operations/create-instance';
import type { Store } from '../../src/core/ports/store';
import { recipeOf } from '../../src/infra/recipes';
import type { TestBot } from './test-bot';
import { requestText, type TextAnswer } from './http-request';

const tester: Actor = { surface: 'cli', id: 'tester' };

/** A manual sandbox of a repository configured in the test bot's sandbox.yml, at `main`, as `sbx instances create` makes it. */
export function createConfiguredSandbox(
  t: TestBot,
  slug: string,
  repository: string,
  settings: Record<string, unknown> = {},
  actor: Actor = tester,
): Promise<Instance> {
  const config = t.config.repositories.find((r) => r.name === repository);
  if (!config) throw new Error(`test setup: ${repository} is not in the test bot's sandbox.yml`);
  const recipe = recipeOf(config);
  return createManualInstance(t.bot.provisioning.store, {
    slug,
    repository: {
      name: config.name,
      url: config.url,
      defaultSettings: config.settings as never,
      defaultFields: config.fields,
      extraDomainPrefixes: recipe.extraDomainPrefixes,
      recipeFields: recipe.fields,
    },
    ref: 'main',
    settings: settings as never,
    globalFields: {},
    ephemeralDatabases: true,
    baseDomain: t.config.base_domain,
    actor,
  });
}

/**
 * A manual sandbox at `main` with no repository defaults or recipe fields (the rows only, for tests that build it
 * with the no-op recipe or never), with the person's own `settings` if any.
 */
export function createBareSandbox(
  store: Store,
  request: {
    slug: string;
    repository: { name: string; url: string | null };
    baseDomain: string;
    actor?: Actor;
    settings?: Record<string, unknown>;
  },
): Promise<Instance> {
  return createManualInstance(store, {
    slug: request.slug,
    repository: {
      name: request.repository.name,
      url: request.repository.url,
      defaultSettings: {},
      defaultFields: {},
      extraDomainPrefixes: [],
    },
    ref: 'main',
    ...(request.settings ? { settings: request.settings as never } : {}),
    globalFields: {},
    ephemeralDatabases: true,
    baseDomain: request.baseDomain,
    actor: request.actor ?? { surface: 'cli', id: 'setup' },
  });
}

/** A request through the bot's builtin load balancer with a sandbox's Host header (no keep-alive). */
export function viaBuiltinProxy(
  botUrl: string,
  host: string,
  { path = '/', headers = {} }: { path?: string; headers?: Record<string, string> } = {},
): Promise<TextAnswer> {
  const url = new URL(botUrl);
  return requestText({
    host: url.hostname,
    port: url.port,
    path,
    headers: { host: `${host}:${url.port}`, ...headers },
    agent: false,
  });
}
