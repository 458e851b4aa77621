import { join, resolve } from 'node:path';
import type { Config } from '../config/schema';
import { openedxDatabaseNeeds, openedxDatabaseVars } from '../core/databases/connection-facts';
import type { DatabaseDeps } from '../core/databases/deps';
import type {
  DatabaseAdmin,
  DatabaseAdmins,
  DatabaseKind,
  DatabaseNeeds,
  DatabaseServer,
} from '../core/databases/types';
import { SandboxError } from '../core/errors';
import type { Instance } from '../core/model';
import type { Db } from '../infra/db/database';
import { createDatabaseRecords, syncDatabaseServers } from '../infra/db/database-records';
import { createMongodbAdmin } from '../infra/databases/mongodb-admin';
import { createMysqlAdmin } from '../infra/databases/mysql-admin';
import { createRabbitmqAdmin } from '../infra/databases/rabbitmq-admin';

/** The servers of sandbox.yml as rows to record. */
export function configuredDatabaseServers(
  config: Config,
): { kind: DatabaseKind; name: string; urlEnv: string; acceptsNew: boolean }[] {
  const { mysql, mongodb, rabbitmq } = config.databases;
  return [
    ...mysql.map((s) => ({ kind: 'mysql' as const, name: s.name, urlEnv: s.url_env, acceptsNew: s.accepts_new })),
    ...mongodb.map((s) => ({ kind: 'mongodb' as const, name: s.name, urlEnv: s.url_env, acceptsNew: s.accepts_new })),
    ...rabbitmq.map((s) => ({ kind: 'rabbitmq' as const, name: s.name, urlEnv: s.url_env, acceptsNew: s.accepts_new })),
  ];
}

/** Admin access per server: the URL from the environment variable the server names (read when needed, never stored). */
export function createDatabaseAdmins(config: Config, env: NodeJS.ProcessEnv): DatabaseAdmins {
  return {
    adminFor(server: DatabaseServer): DatabaseAdmin {
      const url = env[server.urlEnv];
      if (!url)
        throw new SandboxError(
          'config_invalid',
          `${server.kind} server ${server.name}: environment variable ${server.urlEnv} (its url_env) is not set`,
        );
      if (server.kind === 'mysql') return createMysqlAdmin(url);
      if (server.kind === 'mongodb') return createMongodbAdmin(url);
      const entry = config.databases.rabbitmq.find((s) => s.name === server.name);
      return createRabbitmqAdmin(url, entry?.amqp_url ?? null);
    },
  };
}

/** What a repository's sandboxes need: `script`/`compose` declare theirs; `openedx-ansible` brings Open edX's (plus any declared). */
export function databaseNeedsOf(config: Config, instance: Pick<Instance, 'prRepo' | 'slug'>): DatabaseNeeds {
  const repository = config.repositories.find((r) => r.name.toLowerCase() === instance.prRepo?.toLowerCase());
  if (!repository)
    throw new SandboxError(
      'usage',
      `${instance.slug}: repository ${instance.prRepo ?? '(none)'} is not configured in sandbox.yml`,
    );
  const declared = repository.databases;
  if (repository.recipe === 'openedx-ansible') {
    return {
      mysql: [...new Set([...openedxDatabaseNeeds.mysql, ...declared.mysql])],
      mongodb: [...new Set([...openedxDatabaseNeeds.mongodb, ...declared.mongodb])],
      rabbitmq: true,
    };
  }
  if (repository.recipe === 'tutor') {
    throw new SandboxError(
      'usage',
      `${instance.slug}: the tutor recipe cannot use persistent databases yet (Tutor runs its own); set ephemeral_databases: true for ${repository.name}`,
    );
  }
  return declared;
}

/** Wires persistent databases: records the servers of sandbox.yml, and hands core its records, admins and recipe declarations. */
export async function createDatabaseDeps({
  config,
  db,
  env,
}: {
  config: Config;
  db: Db;
  env: NodeJS.ProcessEnv;
}): Promise<DatabaseDeps> {
  await syncDatabaseServers(db, configuredDatabaseServers(config));
  return {
    records: createDatabaseRecords(db),
    admins: createDatabaseAdmins(config, env),
    needsFor: (instance) => databaseNeedsOf(config, instance),
    varsFor: (instance, facts) =>
      config.repositories.find((r) => r.name.toLowerCase() === instance.prRepo?.toLowerCase())?.recipe ===
      'openedx-ansible'
        ? openedxDatabaseVars(facts)
        : {},
    snapshotDir: resolve(config.databases.snapshot_dir ?? join(config.data_dir, 'snapshots')),
  };
}
