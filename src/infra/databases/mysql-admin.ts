import mysql from 'mysql2/promise';
import { assertSafeName } from '../../core/databases/database-names';
import type { DatabaseAdmin, DatabaseGrant, ServerCheck } from '../../core/databases/types';
import { describeError, parseAdminUrl } from './admin-url';
import { dumpDatabase, loadDatabase } from './mysql-dump';

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
    execute: (name, statements) =>
      withConnection(async (connection) => {
        await connection.query('USE ??', [assertSafeName(name)]);
        for (const [index, statement] of statements.entries()) {
          try {
            await connection.query(statement);
          } catch (error) {
            throw new Error(
              `statement ${index + 1} (${statement.slice(0, 120)}) failed on ${name}: ${describeError(error)}`,
            );
          }
        }
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
