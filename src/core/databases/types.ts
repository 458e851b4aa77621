/** The three kinds of persistent database a sandbox can get. */
export const databaseKinds = ['mysql', 'mongodb', 'rabbitmq'] as const;
export type DatabaseKind = (typeof databaseKinds)[number];

/** A registered server (`databases.<kind>[]` in sandbox.yml) as recorded; the admin URL stays in the environment. */
export interface DatabaseServer {
  id: number;
  kind: DatabaseKind;
  name: string;
  urlEnv: string;
  acceptsNew: boolean;
  /** false once the server left sandbox.yml (its sandboxes still point at it). */
  configured: boolean;
  createdAt: Date;
  updatedAt: Date;
}
export type NewDatabaseServer = Omit<DatabaseServer, 'id' | 'createdAt' | 'updatedAt' | 'configured'> & {
  configured?: boolean;
};

/** One instance's databases of one kind: placement, credentials, actual names, and how far a delete got. */
export interface InstanceDatabase {
  id: number;
  instanceId: number;
  kind: DatabaseKind;
  serverId: number;
  username: string;
  password: string;
  names: { declared: string; actual: string }[];
  provisionedAt: Date | null;
  dropAttemptedAt: Date | null;
  dropError: string | null;
  droppedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
export type NewInstanceDatabase = Pick<
  InstanceDatabase,
  'instanceId' | 'kind' | 'serverId' | 'username' | 'password' | 'names'
>;

/** A snapshot of an instance's databases: one archive per database under `dir`. */
export interface DatabaseSnapshot {
  id: number;
  instanceId: number;
  dir: string;
  files: { kind: 'mysql' | 'mongodb'; database: string; file: string; bytes: number }[];
  reason: string;
  requestedBy: string;
  createdAt: Date;
}
export type NewDatabaseSnapshot = Omit<DatabaseSnapshot, 'id' | 'createdAt'>;

/** What a recipe (or, for `script`, the repository) declares it needs. */
export interface DatabaseNeeds {
  mysql: readonly string[];
  mongodb: readonly string[];
  rabbitmq: boolean;
}

export const noDatabases: DatabaseNeeds = { mysql: [], mongodb: [], rabbitmq: false };

export const needsAny = (needs: DatabaseNeeds): boolean =>
  needs.mysql.length > 0 || needs.mongodb.length > 0 || needs.rabbitmq;

/** What one server kind must hold for one instance: a user, its password, and its databases (or its vhost). */
export interface DatabaseGrant {
  user: string;
  password: string;
  /** Actual names on the server; for RabbitMQ the one virtual host. */
  names: readonly string[];
}

/** Where sandboxes reach a server (from its admin URL, or `amqp_url` for RabbitMQ). */
export interface DatabaseEndpoint {
  hosts: { host: string; port: number }[];
  tls: boolean;
  /** Connection-string options sandboxes need too (MongoDB `replicaSet`, …). */
  options: Record<string, string>;
}

/** One finding of `sbx doctor` about a server. */
export interface ServerCheck {
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}

/** The admin side of one registered server (adapters: src/infra/databases/). Every method is safe to run twice. */
export interface DatabaseAdmin {
  /** Creates what is missing and says what it created; what existed already is left as it is (the password is set again). */
  ensure(grant: DatabaseGrant): Promise<{ created: string[]; found: string[] }>;
  /** Drops the databases (or vhost) and the user; what was already gone is `absent`. */
  drop(grant: DatabaseGrant): Promise<{ dropped: string[]; absent: string[] }>;
  endpoint(): DatabaseEndpoint;
  /** Connect, privileges to create databases and users, and traps such as anonymous users. */
  check(): Promise<ServerCheck[]>;
  /** Writes one database to a gzip archive (MySQL: mysqldump-compatible SQL; MongoDB: a mongodump archive); absent for RabbitMQ. */
  dump?(name: string, file: string): Promise<number>;
  /** Replaces one database's content with an archive written by `dump`. */
  load?(name: string, file: string): Promise<void>;
  /**
   * Runs SQL statements in order on one database as the admin (a campaign's
   * `--pre-upgrade`); the first failure throws, naming the statement. With a
   * `marker`, the run is recorded on the server in the same transaction as
   * the statements: a marker already done returns `already_done` and runs
   * nothing; a marker started but never done (a crash or a killed
   * connection mid-way) throws `interrupted` and runs nothing either.
   */
  execute?(name: string, statements: readonly string[], marker?: string): Promise<'ran' | 'already_done'>;
}

/** Admin connections per registered server (the URL comes from the environment variable the server names). */
export interface DatabaseAdmins {
  adminFor(server: DatabaseServer): DatabaseAdmin;
}

/** Rows of persistent databases (adapter: src/infra/db/database-records.ts). */
export interface DatabaseRecords {
  listServers(): Promise<DatabaseServer[]>;
  getServer(id: number): Promise<DatabaseServer | null>;
  listForInstance(instanceId: number): Promise<InstanceDatabase[]>;
  /** Records a placement unless the instance has one of this kind already (the first wins); returns the stored row. */
  place(values: NewInstanceDatabase): Promise<InstanceDatabase>;
  update(
    id: number,
    patch: Partial<Omit<InstanceDatabase, 'id' | 'instanceId' | 'kind' | 'createdAt' | 'updatedAt'>>,
  ): Promise<InstanceDatabase>;
  /** Rows of deleted instances whose drop has not finished (reconcile retries them). */
  listUndropped(): Promise<InstanceDatabase[]>;
  /** Live (not dropped) rows per server id. */
  countByServer(): Promise<Map<number, number>>;
  insertSnapshot(values: NewDatabaseSnapshot): Promise<DatabaseSnapshot>;
  listSnapshots(instanceId: number): Promise<DatabaseSnapshot[]>;
  getSnapshot(id: number): Promise<DatabaseSnapshot | null>;
}

/** Declared → actual name, with the server and credentials: what the recipe is given. */
export interface DatabaseFacts {
  kind: DatabaseKind;
  server: string;
  endpoint: DatabaseEndpoint;
  user: string;
  password: string;
  names: { declared: string; actual: string }[];
}
