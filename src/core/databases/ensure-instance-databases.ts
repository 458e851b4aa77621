import { randomBytes } from 'node:crypto';
import { SandboxError } from '../errors';
import type { Instance } from '../model';
import { actualName, databaseBase } from './database-names';
import type { DatabaseDeps } from './deps';
import { pickDatabaseServer } from './place-database';
import type { DatabaseFacts, DatabaseKind, DatabaseNeeds, InstanceDatabase } from './types';

export interface EnsureOutcome {
  facts: DatabaseFacts[];
  /** One line per kind for the deploy log and the audit log: what was created, or that everything was found. */
  lines: string[];
  created: string[];
}

/**
 * Gives the instance what its recipe declares on its recorded servers: on the
 * first call each kind is placed on a random accepting server (recorded, kept
 * for the instance's life) with a generated user and password; then every
 * call creates only what is missing on the server. Example: `{ mysql: [app] }`
 * for `pr42-app` → database `pr42_app_k3f9_app` and user `pr42_app_k3f9`,
 * granted only on that database.
 */
export async function ensureInstanceDatabases(
  deps: { databases: DatabaseDeps; now: () => Date },
  instance: Instance,
  needs: DatabaseNeeds,
): Promise<EnsureOutcome> {
  const outcome: EnsureOutcome = { facts: [], lines: [], created: [] };
  const rows = await deps.databases.records.listForInstance(instance.id);
  const wanted: [DatabaseKind, readonly string[]][] = [
    ['mysql', needs.mysql],
    ['mongodb', needs.mongodb],
    ['rabbitmq', needs.rabbitmq ? ['vhost'] : []],
  ];
  for (const [kind, declared] of wanted) {
    if (declared.length === 0) continue;
    // Every kind of one instance shares the base its first placement drew (`pr42_app_k3f9` for databases, user and vhost).
    const base = rows[0]?.username ?? outcome.facts[0]?.user ?? databaseBase(instance.slug, deps.databases.random);
    const row = await placed(
      deps,
      instance,
      kind,
      declared,
      rows.find((r) => r.kind === kind),
      base,
    );
    const server = await deps.databases.records.getServer(row.serverId);
    if (!server)
      throw new SandboxError(
        'database_unavailable',
        `${instance.slug}: its ${kind} server (id ${row.serverId}) is no longer recorded`,
      );
    const admin = deps.databases.admins.adminFor(server);
    const grant = { user: row.username, password: row.password, names: row.names.map((n) => n.actual) };
    let result: { created: string[]; found: string[] };
    try {
      result = await admin.ensure(grant);
    } catch (error) {
      throw new SandboxError(
        'database_unavailable',
        `${instance.slug}: creating its ${kind} databases on ${server.name} failed: ${error instanceof Error ? error.message : String(error)}; check the server and the admin URL in ${server.urlEnv} (sbx doctor)`,
        { cause: error },
      );
    }
    if (!row.provisionedAt) await deps.databases.records.update(row.id, { provisionedAt: deps.now() });
    outcome.created.push(...result.created.map((what) => `${kind} ${what} on ${server.name}`));
    outcome.lines.push(
      result.created.length > 0
        ? `${kind} on ${server.name}: created ${result.created.join(', ')}${result.found.length ? `; found ${result.found.join(', ')}` : ''}`
        : `${kind} on ${server.name}: found ${result.found.join(', ')} (nothing to create)`,
    );
    const names = declared.map((name) => row.names.find((n) => n.declared === name)!);
    outcome.facts.push({
      kind,
      server: server.name,
      endpoint: admin.endpoint(),
      user: row.username,
      password: row.password,
      names,
    });
  }
  return outcome;
}

/** The instance's row of this kind, placed now if it has none, with names added for newly declared databases. */
async function placed(
  deps: { databases: DatabaseDeps },
  instance: Instance,
  kind: DatabaseKind,
  declared: readonly string[],
  existing: InstanceDatabase | undefined,
  newBase: string,
): Promise<InstanceDatabase> {
  const { records } = deps.databases;
  let row = existing;
  if (!row) {
    const pick = pickDatabaseServer(await records.listServers(), kind, deps.databases.random);
    if (!pick.ok)
      throw new SandboxError('database_unavailable', `${instance.slug}: persistent databases: ${pick.reason}`);
    row = await records.place({
      instanceId: instance.id,
      kind,
      serverId: pick.server.id,
      username: newBase,
      password: randomBytes(18).toString('base64url'),
      names: [],
    });
  }
  if (row.droppedAt)
    throw new SandboxError(
      'conflict',
      `${instance.slug}: its ${kind} databases were dropped (the sandbox was deleted)`,
    );
  const missing = declared.filter((name) => !row.names.some((n) => n.declared === name));
  if (missing.length === 0) return row;
  const base = row.username;
  const added = missing.map((declaredName) => ({
    declared: declaredName,
    actual: kind === 'rabbitmq' ? base : actualName(base, declaredName),
  }));
  return records.update(row.id, { names: [...row.names, ...added] });
}
