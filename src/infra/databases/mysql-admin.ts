import mysql from 'mysql2/promise';
import { assertSafeName } from '../../core/databases/database-names';
import { SandboxError } from '../../core/errors';
import type { DatabaseAdmin, DatabaseGrant, ServerCheck } from '../../core/databases/types';
import { describeError, parseAdminUrl } from './admin-url';
import { dumpDatabase, loadDatabase } from './mysql-dump';

/** Where runs of `--pre-upgrade` SQL are marked, on the server itself (a database of the bot's, never a sandbox's). */
const markerTable = 'sbx_meta.pre_upgrade_runs';

/**
 * Marks a run as started (committed at once) unless it is marked already:
 * `done` means it ran; `started` means a run began and never finished, and
 * its statements may have partly run: it is refused, never run twice.
 */
async function claimMarker(connection: mysql.Connection, marker: string, name: string): Promise<'claimed' | 'done'> {
  await connection.query('CREATE DATABASE IF NOT EXISTS sbx_meta');
  await connection.query(
    `CREATE TABLE IF NOT EXISTS ${markerTable} (marker VARCHAR(191) PRIMARY KEY, database_name VARCHAR(64) NOT NULL, state VARCHAR(16) NOT NULL, started_at DATETIME NOT NULL, done_at DATETIME NULL)`,
  );
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT state, started_at FROM ${markerTable} WHERE marker = ?`,
    [marker],
  );
  const found = rows[0];
  if (found?.state === 'done') return 'done';
  if (found)
    throw new SandboxError(
      'conflict',
      `the --pre-upgrade SQL on ${name} started at ${String(found.started_at)} and never finished (a crash or a lost connection); its statements may have partly run, so they are not run again: check ${name}, then start a new campaign`,
    );
  await connection.query(
    `INSERT INTO ${markerTable} (marker, database_name, state, started_at) VALUES (?, ?, 'started', NOW())`,
    [marker, name],
  );
  return 'claimed';
}

/**
 * MySQL/MariaDB through mysql2, one short connection per call. Users are
 * `'<user>'@'%'`, granted ALL on their own databases only; `_` is escaped in
 * grants (there it is a wildcard: `a_b.*` would also grant `aXb`).
 */
export function createMysqlAdmin(url: string): DatabaseAdmin {
  const admin = parseAdminUrl(url, 3306);
  const target = admin.hosts[0]!;
  const withConnection = async <T>(work: (connection: mysql.Connection) => Promise<T>): Promise<T> => {
    const connection = await mysql.createConnection({
      host: target.host,
      port: target.port,
      user: admin.user,
      password: admin.password,
      connectTimeout: 10_000,
    });
    try {
      return await work(connection);
    } finally {
      await connection.end().catch(() => undefined);
    }
  };
  const existing = async (connection: mysql.Connection, names: readonly string[]) => {
    if (names.length === 0) return new Set<string>();
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)',
      [names],
    );
    return new Set(rows.map((row) => String(row.name)));
  };
  const userExists = async (connection: mysql.Connection, user: string) => {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      "SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'",
      [user],
    );
    return rows.length > 0;
  };
  const grantPattern = (name: string) => name.replace(/_/g, '\\_');

  return {
    ensure: (grant: DatabaseGrant) =>
      withConnection(async (connection) => {
        const created: string[] = [];
        const found: string[] = [];
        const names = grant.names.map(assertSafeName);
        const present = await existing(connection, names);
        for (const name of names) {
          if (present.has(name)) {
            found.push(`database ${name}`);
            continue;
          }
          await connection.query('CREATE DATABASE IF NOT EXISTS ?? DEFAULT CHARACTER SET utf8mb4', [name]);
          created.push(`database ${name}`);
        }
        const user = assertSafeName(grant.user);
        if (await userExists(connection, user)) {
          await connection.query("ALTER USER ?@'%' IDENTIFIED BY ?", [user, grant.password]);
          found.push(`user ${user}`);
        } else {
          await connection.query("CREATE USER ?@'%' IDENTIFIED BY ?", [user, grant.password]);
          created.push(`user ${user}`);
        }
        for (const name of names)
          await connection.query("GRANT ALL PRIVILEGES ON ??.* TO ?@'%'", [grantPattern(name), user]);
        return { created, found };
      }),

    drop: (grant: DatabaseGrant) =>
      withConnection(async (connection) => {
        const dropped: string[] = [];
        const absent: string[] = [];
        const names = grant.names.map(assertSafeName);
        const present = await existing(connection, names);
        for (const name of names) {
          await connection.query('DROP DATABASE IF EXISTS ??', [name]);
          (present.has(name) ? dropped : absent).push(`database ${name}`);
        }
        const user = assertSafeName(grant.user);
        const had = await userExists(connection, user);
        await connection.query("DROP USER IF EXISTS ?@'%'", [user]);
        (had ? dropped : absent).push(`user ${user}`);
        return { dropped, absent };
      }),

    endpoint: () => ({ hosts: [target], tls: false, options: {} }),

    dump: (name, file) =>
      dumpDatabase(
        { host: target.host, port: target.port, user: admin.user, password: admin.password },
        assertSafeName(name),
        file,
      ),
    load: (name, file) =>
      loadDatabase(
        { host: target.host, port: target.port, user: admin.user, password: admin.password },
        assertSafeName(name),
        file,
      ),
    execute: (name, statements, marker) =>
      withConnection(async (connection) => {
        await connection.query('USE ??', [assertSafeName(name)]);
        if (marker !== undefined) {
          const state = await claimMarker(connection, marker, name);
          if (state === 'done') return 'already_done';
        }
        // The statements and the marker's `done` commit together; a statement that commits implicitly (DDL) is
        // not undone by a crash before the marker, which is why a started marker is never run again.
        await connection.query('START TRANSACTION');
        for (const [index, statement] of statements.entries()) {
          try {
            await connection.query(statement);
          } catch (error) {
            await connection.query('ROLLBACK').catch(() => undefined);
            throw new Error(
              `statement ${index + 1} (${statement.slice(0, 120)}) failed on ${name}: ${describeError(error)}`,
            );
          }
        }
        if (marker !== undefined)
          await connection.query(`UPDATE ${markerTable} SET state = 'done', done_at = NOW() WHERE marker = ?`, [
            marker,
          ]);
        await connection.query('COMMIT');
        return 'ran' as const;
      }),

    async check(): Promise<ServerCheck[]> {
      try {
        return await withConnection(async (connection) => {
          const [[version]] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
          const results: ServerCheck[] = [
            {
              status: 'ok',
              detail: `connected as ${admin.user} to ${target.host}:${target.port} (${String(version?.version)})`,
            },
          ];
          // A real trial: a throwaway database and user, created, granted and dropped.
          const probe = `sbx_doctor_${Date.now().toString(36)}`;
          try {
            await connection.query('CREATE DATABASE ??', [probe]);
            await connection.query("CREATE USER ?@'%' IDENTIFIED BY ?", [probe, `${probe}-pw`]);
            await connection.query("GRANT ALL PRIVILEGES ON ??.* TO ?@'%'", [grantPattern(probe), probe]);
            results.push({ status: 'ok', detail: 'may create databases and users and grant on them' });
          } catch (error) {
            results.push({
              status: 'fail',
              detail: `cannot create databases and users: ${describeError(error)}`,
              hint: 'grant the admin user ALL PRIVILEGES ON *.* WITH GRANT OPTION (or CREATE, DROP, CREATE USER and GRANT OPTION)',
            });
          } finally {
            await connection.query("DROP USER IF EXISTS ?@'%'", [probe]).catch(() => undefined);
            await connection.query('DROP DATABASE IF EXISTS ??', [probe]).catch(() => undefined);
          }
          const [anonymous] = await connection
            .query<mysql.RowDataPacket[]>("SELECT Host AS host FROM mysql.user WHERE User = ''")
            .catch(() => [[] as mysql.RowDataPacket[]]);
          if (anonymous.length > 0) {
            const list = anonymous.map((row) => `''@'${String(row.host)}'`).join(', ');
            results.push({
              status: 'warn',
              detail: `anonymous users ${list} shadow sandbox users ('user'@'%') connecting from those hosts ("Access denied for user …@'localhost'")`,
              hint: `drop them: ${anonymous.map((row) => `DROP USER ''@'${String(row.host)}';`).join(' ')}`,
            });
          }
          return results;
        });
      } catch (error) {
        return [
          {
            status: 'fail',
            detail: `cannot connect to ${target.host}:${target.port}: ${describeError(error)}`,
            hint: 'check the server and the admin URL',
          },
        ];
      }
    },
  };
}
