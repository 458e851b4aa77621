import type { DatabaseEndpoint, DatabaseFacts, DatabaseKind, DatabaseNeeds } from './types';

const hostList = (endpoint: DatabaseEndpoint) =>
  endpoint.hosts.map((h) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`).join(',');
const query = (options: Record<string, string>) => {
  const text = new URLSearchParams(options).toString();
  return text ? `?${text}` : '';
};
const userinfo = (facts: DatabaseFacts) => `${encodeURIComponent(facts.user)}:${encodeURIComponent(facts.password)}`;

/** The URL a sandbox connects with: `mysql://user:pw@host:3306/<first database>`, `mongodb://…/<first>`, `amqp://…/<vhost>`. */
export function connectionUrl(facts: DatabaseFacts): string {
  const first = facts.names[0]?.actual ?? '';
  switch (facts.kind) {
    case 'mysql':
      return `mysql://${userinfo(facts)}@${hostList(facts.endpoint)}/${first}${query(facts.endpoint.options)}`;
    case 'mongodb':
      return `mongodb://${userinfo(facts)}@${hostList(facts.endpoint)}/${first}${query({ ...facts.endpoint.options, ...(facts.endpoint.tls ? { tls: 'true' } : {}) })}`;
    case 'rabbitmq':
      return `${facts.endpoint.tls ? 'amqps' : 'amqp'}://${userinfo(facts)}@${hostList(facts.endpoint)}/${encodeURIComponent(first)}`;
  }
}

const envPrefix: Record<DatabaseKind, string> = {
  mysql: 'SBX_MYSQL',
  mongodb: 'SBX_MONGODB',
  rabbitmq: 'SBX_RABBITMQ',
};

/**
 * The environment of `script` and `compose` phases: `SBX_MYSQL_URL` (the first
 * declared database), `SBX_MYSQL_DATABASES` (actual names, comma-separated,
 * in declared order), the same for MongoDB, `SBX_RABBITMQ_URL`, and the
 * parts (`_HOST`, `_PORT`, `_USER`, `_PASSWORD`) for shell scripts.
 */
export function databaseEnv(all: readonly DatabaseFacts[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const facts of all) {
    const prefix = envPrefix[facts.kind];
    env[`${prefix}_URL`] = connectionUrl(facts);
    env[`${prefix}_HOST`] = facts.endpoint.hosts[0]?.host ?? '';
    env[`${prefix}_PORT`] = String(facts.endpoint.hosts[0]?.port ?? '');
    env[`${prefix}_USER`] = facts.user;
    env[`${prefix}_PASSWORD`] = facts.password;
    if (facts.kind === 'rabbitmq') env[`${prefix}_VHOST`] = facts.names[0]?.actual ?? '';
    else env[`${prefix}_DATABASES`] = facts.names.map((n) => n.actual).join(',');
  }
  return env;
}

/** What Open edX (the `openedx-ansible` recipe) declares: the predecessor's MySQL and MongoDB databases and a RabbitMQ vhost. */
export const openedxDatabaseNeeds: DatabaseNeeds = {
  mysql: ['edxapp', 'edxapp_csmh', 'xqueue', 'notes', 'notifier', 'ecommerce', 'discovery'],
  mongodb: ['edxapp', 'forum'],
  rabbitmq: true,
};

/**
 * The configuration repository's variable names for the instance's databases
 * (for vars.yml of `openedx-ansible`; they win over the merged settings). One
 * user owns every database of the instance, so the migrate, read-only and
 * admin users of the playbooks are that user too.
 * Example: `EDXAPP_MYSQL_DB_NAME: pr42_app_k3f9_edxapp`, `EDXAPP_MONGO_HOSTS: [mongo.example.com]`.
 */
export function openedxDatabaseVars(all: readonly DatabaseFacts[]): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  const mysql = all.find((f) => f.kind === 'mysql');
  if (mysql) {
    const host = mysql.endpoint.hosts[0]!;
    const db = (declared: string) => mysql.names.find((n) => n.declared === declared)?.actual ?? null;
    const service = (
      names: { db: string; user: string; password: string; host: string; port?: string },
      declared: string,
    ) => {
      if (!db(declared)) return;
      vars[names.db] = db(declared);
      vars[names.user] = mysql.user;
      vars[names.password] = mysql.password;
      vars[names.host] = host.host;
      if (names.port) vars[names.port] = host.port;
    };
    service(
      {
        db: 'EDXAPP_MYSQL_DB_NAME',
        user: 'EDXAPP_MYSQL_USER',
        password: 'EDXAPP_MYSQL_PASSWORD',
        host: 'EDXAPP_MYSQL_HOST',
        port: 'EDXAPP_MYSQL_PORT',
      },
      'edxapp',
    );
    service(
      {
        db: 'EDXAPP_MYSQL_CSMH_DB_NAME',
        user: 'EDXAPP_MYSQL_CSMH_USER',
        password: 'EDXAPP_MYSQL_CSMH_PASSWORD',
        host: 'EDXAPP_MYSQL_CSMH_HOST',
        port: 'EDXAPP_MYSQL_CSMH_PORT',
      },
      'edxapp_csmh',
    );
    service(
      {
        db: 'XQUEUE_MYSQL_DB_NAME',
        user: 'XQUEUE_MYSQL_USER',
        password: 'XQUEUE_MYSQL_PASSWORD',
        host: 'XQUEUE_MYSQL_HOST',
        port: 'XQUEUE_MYSQL_PORT',
      },
      'xqueue',
    );
    service(
      {
        db: 'EDX_NOTES_API_MYSQL_DB_NAME',
        user: 'EDX_NOTES_API_MYSQL_DB_USER',
        password: 'EDX_NOTES_API_MYSQL_DB_PASS',
        host: 'EDX_NOTES_API_MYSQL_HOST',
      },
      'notes',
    );
    service(
      {
        db: 'NOTIFIER_DATABASE_NAME',
        user: 'NOTIFIER_DATABASE_USER',
        password: 'NOTIFIER_DATABASE_PASSWORD',
        host: 'NOTIFIER_DATABASE_HOST',
        port: 'NOTIFIER_DATABASE_PORT',
      },
      'notifier',
    );
    service(
      {
        db: 'ECOMMERCE_DATABASE_NAME',
        user: 'ECOMMERCE_DATABASE_USER',
        password: 'ECOMMERCE_DATABASE_PASSWORD',
        host: 'ECOMMERCE_DATABASE_HOST',
      },
      'ecommerce',
    );
    service(
      {
        db: 'DISCOVERY_DEFAULT_DB_NAME',
        user: 'DISCOVERY_MYSQL_USER',
        password: 'DISCOVERY_MYSQL_PASSWORD',
        host: 'DISCOVERY_MYSQL',
      },
      'discovery',
    );
    for (const role of ['MIGRATE', 'READ_ONLY', 'ADMIN']) {
      vars[`COMMON_MYSQL_${role}_USER`] = mysql.user;
      vars[`COMMON_MYSQL_${role}_PASS`] = mysql.password;
    }
  }
  const mongo = all.find((f) => f.kind === 'mongodb');
  if (mongo) {
    const hosts = mongo.endpoint.hosts.map((h) => h.host);
    const port = mongo.endpoint.hosts[0]!.port;
    const db = (declared: string) => mongo.names.find((n) => n.declared === declared)?.actual;
    if (db('edxapp'))
      Object.assign(vars, {
        EDXAPP_MONGO_HOSTS: hosts,
        EDXAPP_MONGO_PORT: port,
        EDXAPP_MONGO_USER: mongo.user,
        EDXAPP_MONGO_PASSWORD: mongo.password,
        EDXAPP_MONGO_DB_NAME: db('edxapp'),
      });
    if (db('forum'))
      Object.assign(vars, {
        FORUM_MONGO_HOSTS: hosts,
        FORUM_MONGO_PORT: port,
        FORUM_MONGO_USER: mongo.user,
        FORUM_MONGO_PASSWORD: mongo.password,
        FORUM_MONGO_DATABASE: db('forum'),
      });
    if (mongo.endpoint.options.replicaSet) vars.EDXAPP_MONGO_REPLICA_SET = mongo.endpoint.options.replicaSet;
    if (mongo.endpoint.tls) vars.EDXAPP_MONGO_USE_SSL = true;
  }
  const rabbit = all.find((f) => f.kind === 'rabbitmq');
  if (rabbit) {
    const { host, port } = rabbit.endpoint.hosts[0]!;
    const vhost = rabbit.names[0]!.actual;
    Object.assign(vars, {
      EDXAPP_RABBIT_HOSTNAME: `${host}:${port}`,
      EDXAPP_CELERY_BROKER_HOSTNAME: `${host}:${port}`,
      EDXAPP_CELERY_BROKER_VHOST: vhost,
      EDXAPP_CELERY_USER: rabbit.user,
      EDXAPP_CELERY_PASSWORD: rabbit.password,
      EDXAPP_CELERY_BROKER_USE_SSL: rabbit.endpoint.tls,
      XQUEUE_RABBITMQ_HOSTNAME: host,
      XQUEUE_RABBITMQ_PORT: port,
      XQUEUE_RABBITMQ_VHOST: vhost,
      XQUEUE_RABBITMQ_USER: rabbit.user,
      XQUEUE_RABBITMQ_PASS: rabbit.password,
      XQUEUE_RABBITMQ_TLS: rabbit.endpoint.tls,
    });
  }
  return vars;
}
