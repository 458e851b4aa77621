import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { findFreePort } from './nginx';
import { waitFor } from './wait-for';

export const mariadbBinary = '/usr/sbin/mariadbd';

export interface MariadbHarness {
  port: number;
  socket: string;
  /** `mysql://sbx_admin:…@127.0.0.1:<port>`: a TCP admin with ALL ON *.* WITH GRANT OPTION (what sandbox.yml registers). */
  adminUrl: string;
  /** Milliseconds from mariadb-install-db to the first accepted connection. */
  startupMs: number;
  /** Runs statements as root over the private socket. */
  root<T = unknown>(sql: string, values?: unknown[]): Promise<T>;
  /** Shuts the server down and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A throwaway MariaDB on 127.0.0.1 at a free port, with its own data
 * directory and socket, as a child of the test process. Anonymous users are
 * dropped (they shadow `'user'@'%'` for local connections; see the doctor
 * test for the warning about them on a registered server).
 */
export async function startMariadb(): Promise<MariadbHarness> {
  if (!existsSync(mariadbBinary))
    throw new Error('mariadb-server is not installed; run `bash scripts/install-system-deps.sh` (npm test does this)');
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'sbx-mariadb-'));
  await chmod(dir, 0o755);
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  const asRoot = process.getuid?.() === 0;
  const osUser = asRoot ? 'mysql' : userInfo().username;
  if (asRoot) {
    const mysqlUser = spawnSync('id', ['-u', 'mysql'], { encoding: 'utf8' });
    const mysqlGroup = spawnSync('id', ['-g', 'mysql'], { encoding: 'utf8' });
    await chown(dir, Number(mysqlUser.stdout), Number(mysqlGroup.stdout));
    await chown(dataDir, Number(mysqlUser.stdout), Number(mysqlGroup.stdout));
  }
  const install = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--user=${osUser}`,
      `--datadir=${dataDir}`,
      '--skip-test-db',
      '--auth-root-authentication-method=normal',
    ],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr.slice(-2000)}`);
  const socket = join(dir, 'mysqld.sock');
  const errorLog = join(dir, 'error.log');
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await findFreePort();
    const child = spawn(
      mariadbBinary,
      [
        '--no-defaults',
        `--user=${osUser}`,
        `--datadir=${dataDir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--skip-name-resolve',
        '--innodb-flush-log-at-trx-commit=0',
        '--innodb-buffer-pool-size=32M',
        `--log-error=${errorLog}`,
        `--pid-file=${join(dir, 'mysqld.pid')}`,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitFor(async () => existsSync(socket) || child.exitCode !== null, { timeoutMs: 30_000, intervalMs: 50 });
      if (child.exitCode !== null)
        throw new Error(`mariadbd exited: ${(await readFile(errorLog, 'utf8').catch(() => '')).slice(-2000)}`);
      const root = async <T>(sql: string, values?: unknown[]): Promise<T> => {
        const connection = await mysql.createConnection({ socketPath: socket, user: 'root' });
        try {
          return (await connection.query(sql, values))[0] as T;
        } finally {
          await connection.end();
        }
      };
      await waitFor(
        async () =>
          root('SELECT 1').then(
            () => true,
            () => false,
          ),
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      const anonymous = await root<{ Host: string }[]>("SELECT Host FROM mysql.user WHERE User = ''");
      for (const row of anonymous) await root("DROP USER ''@?", [row.Host]);
      await root("CREATE USER 'sbx_admin'@'%' IDENTIFIED BY 'admin-pw-1234'");
      await root("GRANT ALL PRIVILEGES ON *.* TO 'sbx_admin'@'%' WITH GRANT OPTION");
      return harness({ child, exited, dir, port, socket, root, startupMs: Date.now() - started });
    } catch (error) {
      lastError = error;
      child.kill('SIGKILL');
      await exited;
      const log = await readFile(errorLog, 'utf8').catch(() => '');
      if (!/bind|in use/i.test(log)) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

function harness(options: {
  child: ChildProcess;
  exited: Promise<void>;
  dir: string;
  port: number;
  socket: string;
  root: MariadbHarness['root'];
  startupMs: number;
}): MariadbHarness {
  let stopped: Promise<void> | null = null;
  return {
    port: options.port,
    socket: options.socket,
    adminUrl: `mysql://sbx_admin:admin-pw-1234@127.0.0.1:${options.port}`,
    startupMs: options.startupMs,
    root: options.root,
    stop() {
      stopped ??= (async () => {
        if (options.child.exitCode === null) {
          options.child.kill('SIGTERM');
          const killer = setTimeout(() => options.child.kill('SIGKILL'), 10_000);
          await options.exited;
          clearTimeout(killer);
        }
        await rm(options.dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
