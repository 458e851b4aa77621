import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDatabaseServers } from '../../src/cli/doctor-databases';
import type { Actor, Instance } from '../../src/core/model';
import { deleteInstance, requestDeployment } from '../../src/core/operations/operations';
import { dropInstanceDatabases } from '../../src/core/databases/drop-instance-databases';
import { ensureInstanceDatabases } from '../../src/core/databases/ensure-instance-databases';
import { restoreDatabases, snapshotDatabases } from '../../src/core/databases/snapshots';
import { findDrift, healDrift } from '../../src/core/provisioning/reconcile';
import { startFakeMongodb, type FakeMongodb } from '../support/fake-mongodb';
import { startMariadb, type MariadbHarness } from '../support/mariadb';
import { startRabbitmq, type RabbitmqHarness } from '../support/rabbitmq';
import { createSampleRepo, type SampleRepo } from '../support/sample-repo';
import { startTestBot, type TestBot } from '../support/test-bot';
import { waitFor } from '../support/wait-for';
import { createBareSandbox } from '../support/manual-sandbox';

// Real MariaDB and RabbitMQ (throwaway servers of this file); MongoDB is a FAKE (test/support/fake-mongodb.ts):
// it checks the commands the bot sends, not what a real mongod would let a sandbox user do.
const actor: Actor = { surface: 'cli', id: 'tester' };
let repo: SampleRepo;
let mariadb: MariadbHarness;
let rabbitmq: RabbitmqHarness;
let mongo: FakeMongodb;
let t: TestBot;
const timings: Record<string, number> = {};

beforeAll(async () => {
  [mariadb, rabbitmq, mongo] = await Promise.all([startMariadb(), startRabbitmq(), startFakeMongodb()]);
  timings.mariadbStartMs = mariadb.startupMs;
  timings.rabbitmqStartMs = rabbitmq.startupMs;
  repo = createSampleRepo();
  // The deploy phase connects with the credentials it was given, writes to its own database, and tries the
  // database named by the `probe_database` setting (another sandbox's): that must be refused.
  t = await startTestBot(
    `
repositories:
  - name: acme/sample
    url: ${repo.url}
    databases:
      mysql: [app, extra]
      mongodb: [app]
      rabbitmq: true
    script:
      deploy: |
        git rev-parse HEAD > built-commit.txt
        my() { mariadb --host="$SBX_MYSQL_HOST" --port="$SBX_MYSQL_PORT" --user="$SBX_MYSQL_USER" --password="$SBX_MYSQL_PASSWORD" --batch --skip-column-names "$@"; }
        own="\${SBX_MYSQL_DATABASES%%,*}"
        my "$own" -e "CREATE TABLE IF NOT EXISTS marks (slug text); INSERT INTO marks VALUES ('$SBX_SLUG')"
        echo "own database rows: $(my "$own" -e 'SELECT COUNT(*) FROM marks')"
        echo "leaked password: $SBX_MYSQL_PASSWORD"
        other="$(sed -n 's/^probe_database: //p' "$SBX_VARS_FILE")"
        if [ -n "$other" ]; then
          if my "$other" -e 'SELECT COUNT(*) FROM marks' 2>&1; then echo "PROBE: other database readable"; else echo "PROBE: other database refused"; fi
        fi
      start: exec node server.mjs
      health_path: /healthz
      health_timeout: 10s
databases:
  mysql:
    - { name: mysql-1, url_env: TEST_MYSQL_URL }
  mongodb:
    - { name: mongo-1, url_env: TEST_MONGODB_URL }
  rabbitmq:
    - { name: rabbit-1, url_env: TEST_RABBITMQ_URL, amqp_url: '${rabbitmq.amqpUrl}' }
retention:
  min_age: 0s
`,
    { TEST_MYSQL_URL: mariadb.adminUrl, TEST_MONGODB_URL: mongo.url, TEST_RABBITMQ_URL: rabbitmq.managementUrl },
  );
}, 90_000);

afterAll(async () => {
  console.log(`persistent databases timings: ${JSON.stringify(timings)}`);
  await t?.stop();
  await Promise.all([mariadb?.stop(), rabbitmq?.stop(), mongo?.close()]);
}, 60_000);

const store = () => t.bot.provisioning.store;
const records = () => t.bot.provisioning.databases!.records;
const instance = async (slug: string) => (await store().findInstanceBySlug(slug))!;

async function create(slug: string, settings: Record<string, unknown>): Promise<Instance> {
  const repository = t.config.repositories[0]!;
  return createBareSandbox(store(), {
    slug,
    repository: { name: repository.name, url: repository.url },
    settings,
    baseDomain: t.config.base_domain,
    actor,
  });
}

async function deploy(slug: string) {
  const before = (await store().listAppservers((await instance(slug)).id)).length;
  await requestDeployment({ store: store() }, await instance(slug), { actor });
  const number = before + 1;
  await waitFor(
    async () =>
      ['running', 'failed', 'error'].includes(
        (await store().findAppserver((await instance(slug)).id, number))?.state ?? '',
      ),
    { timeoutMs: 30_000, what: `${slug} appserver ${number}` },
  );
  const appserver = (await store().findAppserver((await instance(slug)).id, number))!;
  const log = (await store().readLog(appserver.id)).map((c) => c.content).join('');
  return { appserver, log };
}

/** The sandbox's environment as the recipe got it (single-quoted values in sandbox.env). */
function sandboxEnv(workDir: string): Record<string, string> {
  const text = readFileSync(join(workDir, 'sandbox.env'), 'utf8');
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => {
        const at = line.indexOf('=');
        return [
          line.slice(0, at),
          line
            .slice(at + 1)
            .replace(/^'|'$/g, '')
            .replace(/'\\''/g, "'"),
        ];
      }),
  );
}

async function amqpRefused(url: string): Promise<string | null> {
  try {
    const connection = await amqplib.connect(url);
    await connection.close();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe('persistent databases on registered servers', () => {
  let envA: Record<string, string>;
  let envB: Record<string, string>;

  it('creates a sandbox’s databases, user and vhost on its first deploy and hands the recipe the facts', async () => {
    // A manual sandbox whose settings file says ephemeral_databases: false gets persistent databases, like a PR.
    const a = await create('dba', { ephemeral_databases: false });
    expect(a.databaseMode).toBe('persistent');
    const started = Date.now();
    const { appserver, log } = await deploy('dba');
    timings.firstDeployToRunningMs = Date.now() - started;
    expect(appserver.failureReason).toBeNull();
    expect(appserver.state).toBe('running');
    envA = sandboxEnv(appserver.workDir!);

    const rows = await records().listForInstance(a.id);
    expect(rows.map((r) => r.kind).sort()).toEqual(['mongodb', 'mysql', 'rabbitmq']);
    const mysqlRow = rows.find((r) => r.kind === 'mysql')!;
    const [appDb, extraDb] = mysqlRow.names.map((n) => n.actual);
    expect(appDb).toMatch(/^dba_[a-z0-9]{4}_app$/);
    expect(envA.SBX_MYSQL_DATABASES).toBe(`${appDb},${extraDb}`);
    expect(envA.SBX_MYSQL_URL).toBe(
      `mysql://${mysqlRow.username}:${mysqlRow.password}@127.0.0.1:${mariadb.port}/${appDb}`,
    );
    expect(envA.SBX_MONGODB_URL).toMatch(
      new RegExp(`^mongodb://dba_[a-z0-9]{4}:[^@]+@127\\.0\\.0\\.1:\\d+/dba_[a-z0-9]{4}_app$`),
    );
    expect(envA.SBX_RABBITMQ_URL).toBe(
      `amqp://${envA.SBX_RABBITMQ_USER}:${envA.SBX_RABBITMQ_PASSWORD}@127.0.0.1:${rabbitmq.amqpPort}/${envA.SBX_RABBITMQ_VHOST}`,
    );

    // The deploy phase reached its own database with its credentials; the password never reaches the stored log.
    expect(log).toContain('own database rows: 1');
    expect(log).toContain('[sbx] databases: mysql on mysql-1: created database');
    expect(log).toContain('leaked password: ***');
    expect(log).not.toContain(mysqlRow.password);

    const grants = await mariadb.root<Record<string, string>[]>(`SHOW GRANTS FOR '${mysqlRow.username}'@'%'`);
    expect(grants.map((g) => Object.values(g)[0]).join('\n')).toContain(`\`${appDb!.replace(/_/g, '\\_')}\`.*`);
    expect(mongo.users.has(`${appDb}.${mysqlRow.username}`)).toBe(true);
    expect(await amqpRefused(envA.SBX_RABBITMQ_URL!)).toBeNull();
    const audit = await t.database.pool.query(
      "select detail from audit_events where action = 'create-databases' and instance_slug = 'dba'",
    );
    expect(audit.rows).toHaveLength(1);
  });

  it('a second deploy finds everything and creates nothing', async () => {
    const { appserver, log } = await deploy('dba');
    expect(appserver.state).toBe('running');
    expect(log).toMatch(
      /mysql on mysql-1: found database dba_\w+_app, database dba_\w+_extra, user dba_\w+ \(nothing to create\)/,
    );
    expect(log).toContain('rabbitmq on rabbit-1: found vhost');
    expect(log).toContain('mongodb on mongo-1: found user');
    expect(log).toContain('own database rows: 2');
    expect(sandboxEnv(appserver.workDir!).SBX_MYSQL_URL).toBe(envA.SBX_MYSQL_URL);
    const audit = await t.database.pool.query(
      "select 1 from audit_events where action = 'create-databases' and instance_slug = 'dba'",
    );
    expect(audit.rows).toHaveLength(1);
  });

  it('a second sandbox cannot reach the first one’s database or vhost', async () => {
    const appDbOfA = envA.SBX_MYSQL_DATABASES!.split(',')[0]!;
    const started = Date.now();
    await create('dbb', { ephemeral_databases: false, probe_database: appDbOfA });
    const { appserver, log } = await deploy('dbb');
    timings.secondInstanceDeployMs = Date.now() - started;
    expect(appserver.state).toBe('running');
    envB = sandboxEnv(appserver.workDir!);
    expect(envB.SBX_MYSQL_USER).not.toBe(envA.SBX_MYSQL_USER);
    expect(log).toContain('own database rows: 1');
    expect(log).toContain('PROBE: other database refused');
    expect(log).toMatch(/Access denied for user 'dbb_\w+'@'%' to database 'dba_\w+_app'/);
    expect(log).not.toContain('PROBE: other database readable');

    // RabbitMQ: each user gets into its own vhost only.
    expect(await amqpRefused(envB.SBX_RABBITMQ_URL!)).toBeNull();
    const crossed = envB.SBX_RABBITMQ_URL!.replace(/\/[^/]+$/, `/${envA.SBX_RABBITMQ_VHOST}`);
    expect(await amqpRefused(crossed)).toMatch(/ConnectionClose|ACCESS_REFUSED|NOT_ALLOWED/i);
  });

  it('provisions and drops one sandbox’s MySQL databases, MongoDB user and RabbitMQ vhost in well under a second', async () => {
    const c = await create('dbc', { ephemeral_databases: false });
    const deps = { databases: t.bot.provisioning.databases!, now: () => new Date() };
    let started = Date.now();
    const created = await ensureInstanceDatabases(deps, c, {
      mysql: ['app', 'extra'],
      mongodb: ['app'],
      rabbitmq: true,
    });
    timings.provisionMs = Date.now() - started;
    expect(created.created.length).toBeGreaterThan(0);
    started = Date.now();
    await ensureInstanceDatabases(deps, c, { mysql: ['app', 'extra'], mongodb: ['app'], rabbitmq: true });
    timings.verifyMs = Date.now() - started;
    started = Date.now();
    const dropped = await dropInstanceDatabases(deps, c);
    timings.dropMs = Date.now() - started;
    expect(dropped.left).toEqual([]);
    expect(timings.provisionMs).toBeLessThan(5_000);
  });

  it('snapshots MySQL databases with mysqldump and MongoDB ones as mongodump archives, and restores them', async () => {
    const deps = { databases: t.bot.provisioning.databases!, now: () => new Date() };
    const withMongo = await snapshotDatabases(deps, await instance('dbb'), { actor, reason: 'manual' });
    const mongoFiles = withMongo.files.filter((f) => f.kind === 'mongodb');
    expect(mongoFiles).toEqual([
      expect.objectContaining({ file: expect.stringMatching(/^mongodb-dbb_\w+\.archive\.gz$/) }),
    ]);
    expect(withMongo.files.some((f) => f.kind === 'mysql')).toBe(true);
    await restoreDatabases(deps, await instance('dbb'), withMongo.id);
    const d = await create('dbd', { ephemeral_databases: false });
    const [facts] = (await ensureInstanceDatabases(deps, d, { mysql: ['app'], mongodb: [], rabbitmq: false })).facts;
    const name = facts!.names[0]!.actual;
    await mariadb.root(`CREATE TABLE \`${name}\`.notes (body text)`);
    await mariadb.root(`INSERT INTO \`${name}\`.notes VALUES ('before')`);
    const snapshot = await snapshotDatabases(deps, d, { actor, reason: 'manual' });
    expect(snapshot.files).toEqual([
      expect.objectContaining({ kind: 'mysql', database: name, file: `mysql-${name}.sql.gz` }),
    ]);
    expect(snapshot.dir.startsWith(deps.databases.snapshotDir)).toBe(true);
    await mariadb.root(`UPDATE \`${name}\`.notes SET body = 'after'`);
    await restoreDatabases(deps, d, snapshot.id);
    expect(await mariadb.root(`SELECT body FROM \`${name}\`.notes`)).toEqual([{ body: 'before' }]);
    await dropInstanceDatabases(deps, d);
  });

  it('sbx doctor checks each registered server and warns about anonymous MySQL users', async () => {
    const env = {
      TEST_MYSQL_URL: mariadb.adminUrl,
      TEST_MONGODB_URL: mongo.url,
      TEST_RABBITMQ_URL: rabbitmq.managementUrl,
    };
    const clean = await checkDatabaseServers({ config: t.config, database: null, env });
    expect(clean.map((r) => `${r.check}: ${r.status}`)).toEqual([
      'mysql mysql-1: ok',
      'mysql mysql-1: ok',
      'mongodb mongo-1: ok',
      'mongodb mongo-1: ok',
      'rabbitmq rabbit-1: ok',
      'rabbitmq rabbit-1: ok',
    ]);
    await mariadb.root("CREATE USER ''@'localhost'");
    try {
      const warned = await checkDatabaseServers({ config: t.config, database: null, env });
      expect(warned).toContainEqual(
        expect.objectContaining({
          check: 'mysql mysql-1',
          status: 'warn',
          detail: expect.stringContaining("anonymous users ''@'localhost'"),
          hint: "drop them: DROP USER ''@'localhost';",
        }),
      );
    } finally {
      await mariadb.root("DROP USER ''@'localhost'");
    }
    const missing = await checkDatabaseServers({
      config: t.config,
      database: null,
      env: { ...env, TEST_RABBITMQ_URL: 'http://guest:wrong@127.0.0.1:1' },
    });
    expect(missing.find((r) => r.check === 'rabbitmq rabbit-1')).toMatchObject({
      status: 'fail',
      hint: expect.stringContaining('management'),
    });
  });

  it('delete drops the databases, users and vhost and reports each; a failed drop stays recorded until reconcile drops it', async () => {
    const a = await instance('dba');
    const b = await instance('dbb');
    const userA = envA.SBX_MYSQL_USER!;
    const vhostA = envA.SBX_RABBITMQ_VHOST!;
    await deleteInstance({ store: store() }, a, { actor });
    await waitFor(async () => (await instance('dba')).deletedAt !== null, {
      timeoutMs: 20_000,
      what: 'dba to be deleted',
    });
    const dbs = await mariadb.root<{ name: string }[]>(
      "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'dba\\_%'",
    );
    expect(dbs).toEqual([]);
    expect(await mariadb.root<unknown[]>('SELECT 1 FROM mysql.user WHERE User = ?', [userA])).toEqual([]);
    const vhost = await fetch(`http://127.0.0.1:${rabbitmq.managementPort}/api/vhosts/${vhostA}`, {
      headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
    });
    expect(vhost.status).toBe(404);
    expect([...mongo.users.keys()].filter((key) => key.endsWith(`.${userA}`))).toEqual([]);
    const rowsA = await records().listForInstance(a.id);
    expect(rowsA.every((r) => r.droppedAt !== null && r.password === '')).toBe(true);
    const audit = await t.database.pool.query(
      "select result, detail from audit_events where action = 'drop-databases' and instance_slug = 'dba'",
    );
    expect(audit.rows[0].result).toBe('ok');
    expect(audit.rows[0].detail.dropped).toHaveLength(3);
    expect(audit.rows[0].detail.dropped.join('\n')).toMatch(
      /mysql on mysql-1: dropped database dba_\w+_app, database dba_\w+_extra, user dba_/,
    );

    // The fake MongoDB refuses once: the rest is dropped, the MongoDB row says what is left, reconcile drops it.
    mongo.failNext('dropUser', { code: 13, errmsg: 'not authorized on dbb to execute command' });
    await deleteInstance({ store: store() }, b, { actor });
    await waitFor(async () => (await instance('dbb')).deletedAt !== null, {
      timeoutMs: 20_000,
      what: 'dbb to be deleted',
    });
    const left = (await records().listForInstance(b.id)).filter((r) => r.droppedAt === null);
    expect(left.map((r) => r.kind)).toEqual(['mongodb']);
    expect(left[0]!.dropError).toContain('not authorized');
    const failed = await t.database.pool.query(
      "select result, detail from audit_events where action = 'drop-databases' and instance_slug = 'dbb'",
    );
    expect(failed.rows[0].result).toBe('error');
    expect(failed.rows[0].detail.left[0]).toMatch(
      /mongodb on mongo-1: dbb_\w+_app, user dbb_\w+ left \(not authorized/,
    );

    const drift = await findDrift(t.bot.provisioning);
    expect(drift.filter((d) => d.kind === 'undropped_databases')).toHaveLength(1);
    await healDrift(
      t.bot.provisioning,
      drift.filter((d) => d.kind === 'undropped_databases'),
    );
    expect((await records().listForInstance(b.id)).every((r) => r.droppedAt !== null)).toBe(true);
    expect([...mongo.users.keys()]).toEqual([]);
    expect(mongo.unexpected).toEqual([]);
  });
});
