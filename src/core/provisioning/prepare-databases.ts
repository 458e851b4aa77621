import { connectionUrl, databaseEnv } from '../databases/connection-facts';
import { ensureInstanceDatabases } from '../databases/ensure-instance-databases';
import { needsAny, type DatabaseFacts } from '../databases/types';
import { SandboxError } from '../errors';
import type { Appserver, AppserverConfig } from '../model';
import { appserverConfig } from './create-appserver';
import type { ProvisioningDeps } from './deps';

export interface PreparedDatabases {
  /** Added to sandbox.env (SBX_MYSQL_URL, …). */
  env: Record<string, string>;
  /** Merged over the settings in vars.yml (the recipe's own names, e.g. EDXAPP_MYSQL_*). */
  vars: Record<string, unknown>;
  /** `[sbx] databases: …` lines that open the deploy log. */
  log: string[];
  facts: DatabaseFacts[];
}

/**
 * Before an appserver's deploy: with persistent databases, makes sure the
 * instance's databases exist (created on the first deploy, found after) and
 * hands their connection facts to the recipe. A switch between ephemeral and
 * persistent since the previous appserver is said in the log; going back to
 * ephemeral never drops anything (only delete does).
 */
export async function prepareDatabases(
  deps: ProvisioningDeps,
  appserver: Appserver,
  config: AppserverConfig,
): Promise<PreparedDatabases> {
  const prepared: PreparedDatabases = { env: {}, vars: {}, log: [], facts: [] };
  const previous = (await deps.store.listAppservers(appserver.instanceId))
    .filter((a) => a.number < appserver.number)
    .sort((a, b) => b.number - a.number)[0];
  const previousMode = previous ? appserverConfig(previous).databaseMode : null;
  const note = (line: string) => prepared.log.push(`[sbx] databases: ${line}`);
  if (config.databaseMode !== 'persistent') {
    if (previousMode === 'persistent')
      note(
        'switched from persistent to ephemeral: this appserver uses throwaway databases; the persistent ones are kept (only sbx delete drops them)',
      );
    return prepared;
  }
  const instance = await deps.store.getInstance(appserver.instanceId);
  if (!instance) return prepared;
  if (!deps.databases)
    throw new SandboxError(
      'database_unavailable',
      `${instance.slug} asks for persistent databases, but this bot has no database servers wired`,
    );
  const needs = deps.databases.needsFor(instance);
  if (previousMode === 'ephemeral')
    note(
      'switched from ephemeral to persistent: this appserver uses the persistent databases (created empty on first use); the throwaway data of earlier appservers is not copied',
    );
  if (!needsAny(needs)) {
    note('persistent, but the recipe declares none (repositories[].databases in sandbox.yml)');
    return prepared;
  }
  const outcome = await ensureInstanceDatabases({ databases: deps.databases, now: deps.now }, instance, needs);
  for (const line of outcome.lines) note(line);
  for (const facts of outcome.facts) note(`${facts.kind}: ${redactedUrl(facts)}`);
  if (outcome.created.length > 0) {
    await deps.store.recordAudit({
      actor: 'system',
      surface: 'system',
      action: 'create-databases',
      instanceId: instance.id,
      instanceSlug: instance.slug,
      result: 'ok',
      detail: { created: outcome.created },
    });
  }
  return {
    ...prepared,
    env: databaseEnv(outcome.facts),
    vars: deps.databases.varsFor(instance, outcome.facts),
    facts: outcome.facts,
  };
}

const redactedUrl = (facts: DatabaseFacts) =>
  connectionUrl({ ...facts, password: '***' }).replace(encodeURIComponent('***'), '***');
