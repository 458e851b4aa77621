import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait-for';

export const nginxBinary = '/usr/sbin/nginx';

export interface NginxHarness {
  port: number;
  /** What fragments must listen on: `127.0.0.1:<port>`. */
  listen: string;
  /** The `-p` prefix: config, pid, logs and temp files all live here. */
  prefix: string;
  /** The directory nginx includes fragments from (`<prefix>/sites`). */
  configDir: string;
  confPath: string;
  errorLogPath: string;
  testCommand: string[];
  reloadCommand: string[];
  /**
   * Waits until nginx has acted on every reload signal sent so far and only
   * the newest worker generation is left, then throws if that last reload
   * failed (the previous configuration then still serves). A reload is
   * asynchronous: `nginx -s reload` returns once the master has been
   * signalled, the master reads the files only when it acts on the signal,
   * and the previous generation keeps accepting for about 100 ms after the new
   * one starts. So an answer of the newest configuration does not prove that
   * nginx is done: after two quick reloads the older generation may still be
   * the one answering, with the second reload still pending. Call this before
   * anything that changes the configuration files (a later test writing a
   * broken file would make a pending reload fail) and before asserting that
   * only the current route answers.
   */
  settle(): Promise<void>;
  /** Stops nginx (TERM, then KILL after 5 s) and removes the prefix; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A real nginx on 127.0.0.1 at a free port, in the foreground (`daemon off`)
 * as a child of the test process, with everything in its own prefix
 * directory. Unknown hosts get 404 from the default server.
 */
export async function startNginx(): Promise<NginxHarness> {
  if (!existsSync(nginxBinary))
    throw new Error('nginx is not installed; run `bash scripts/install-system-deps.sh` (npm test does this)');
  const prefix = await mkdtemp(join(tmpdir(), 'sbx-nginx-'));
  // Workers run as an unprivileged user when the tests run as root; they must reach the temp paths.
  await chmod(prefix, 0o755);
  const configDir = join(prefix, 'sites');
  await mkdir(configDir);
  await mkdir(join(prefix, 'temp'), { mode: 0o755 });
  const confPath = join(prefix, 'nginx.conf');
  const errorLogPath = join(prefix, 'error.log');
  let lastError: unknown;
  // A port found free can be taken before nginx binds it; try a few.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await findFreePort();
    await rm(join(prefix, 'nginx.pid'), { force: true });
    await writeFile(confPath, renderMainConfig({ prefix, configDir, errorLogPath, port }));
    try {
      const child = await launch(confPath, prefix, port, errorLogPath);
      return harness({ child, port, prefix, configDir, confPath, errorLogPath });
    } catch (error) {
      lastError = error;
      if (!String(error).includes('bind()')) break;
    }
  }
  await rm(prefix, { recursive: true, force: true });
  throw lastError;
}

function renderMainConfig({
  prefix,
  configDir,
  errorLogPath,
  port,
}: {
  prefix: string;
  configDir: string;
  errorLogPath: string;
  port: number;
}): string {
  const temp = join(prefix, 'temp');
  return `daemon off;
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${errorLogPath} notice;

events {
    worker_connections 512;
}

http {
    access_log off;
    client_body_temp_path ${temp}/client_body;
    proxy_temp_path ${temp}/proxy;
    fastcgi_temp_path ${temp}/fastcgi;
    uwsgi_temp_path ${temp}/uwsgi;
    scgi_temp_path ${temp}/scgi;
    server_names_hash_bucket_size 128;

    server {
        listen 127.0.0.1:${port} default_server;
        server_name _;
        return 404;
    }

    include ${configDir}/*.conf;
}
`;
}

async function launch(confPath: string, prefix: string, port: number, errorLogPath: string): Promise<ChildProcess> {
  // Its own process group, so stopping reaches the workers even if the master has to be killed.
  const child = spawn(nginxBinary, ['-c', confPath, '-p', prefix, '-e', errorLogPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  try {
    // nginx writes its pid file only once its sockets are bound, so a port taken by someone else cannot pass for ours.
    await waitFor(async () => exited || (existsSync(join(prefix, 'nginx.pid')) && (await canConnect(port))), {
      timeoutMs: 5_000,
      what: `nginx to listen on 127.0.0.1:${port}`,
    });
  } catch (error) {
    signalGroup(child, 'SIGKILL');
    throw error;
  }
  if (exited) {
    const log = existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8').slice(-2000) : '';
    throw new Error(`nginx exited at start: ${stderr.trim()} ${log.trim()}`);
  }
  return child;
}

function harness(parts: {
  child: ChildProcess;
  port: number;
  prefix: string;
  configDir: string;
  confPath: string;
  errorLogPath: string;
}): NginxHarness {
  const { child, port, prefix, configDir, confPath, errorLogPath } = parts;
  // Should the test process end without afterAll, a TERM still makes nginx and its workers quit.
  const killOnExit = () => signalGroup(child, 'SIGTERM');
  process.once('exit', killOnExit);
  let stopping: Promise<void> | null = null;
  return {
    port,
    prefix,
    configDir,
    confPath,
    errorLogPath,
    listen: `127.0.0.1:${port}`,
    testCommand: [nginxBinary, '-t', '-c', confPath, '-p', prefix],
    reloadCommand: [nginxBinary, '-s', 'reload', '-c', confPath, '-p', prefix],
    settle: () => settle(child.pid ?? -1, errorLogPath),
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          signalGroup(child, 'SIGTERM');
          const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        await rm(prefix, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/**
 * Counting reloads cannot tell whether nginx is done (two signals sent close
 * together are handled as one), so this asks the kernel: the master waits
 * for signals in sigsuspend and does a reload's whole work (reading the
 * files, starting the new workers, telling the old ones to quit) before it
 * waits again. Blocked there with no SIGHUP pending, it has acted on every
 * reload signalled before this call; one worker left is then the newest.
 */
async function settle(master: number, errorLogPath: string): Promise<void> {
  await waitFor(() => isIdle(master) && countChildren(master) === 1, {
    timeoutMs: 10_000,
    what: `nginx (master ${master}) to act on every reload signal and its old workers to exit (idle: /proc/${master}/wchan shows sigsuspend)`,
  });
  const failure = lastReloadFailure(existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '');
  if (failure) throw new Error(`nginx's last reload failed and the previous configuration still serves: ${failure}`);
}

/** The master sleeps in sigsuspend (it sleeps only there between signals) and no SIGHUP waits for it. */
function isIdle(pid: number): boolean {
  let wchan: string;
  let status: string;
  try {
    wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return false; // not running (yet, or any more): not settled
  }
  const sighup = 1n << 0n; // bit n-1 for signal n
  const pending = [...status.matchAll(/^(?:SigPnd|ShdPnd):\s*([0-9a-f]+)$/gm)].some(
    (match) => (BigInt(`0x${match[1]}`) & sighup) !== 0n,
  );
  return wchan.includes('sigsuspend') && !pending;
}

/**
 * What went wrong in the master's last reconfiguration, or null when it
 * started its workers (or there was none). The master logs `reconfiguring`
 * when it acts on a reload, then `start worker processes` or the error.
 */
export function lastReloadFailure(errorLog: string): string | null {
  const lines = errorLog.split('\n');
  const last = lines.findLastIndex((line) => /#\d+: reconfiguring$/.test(line));
  if (last === -1) return null;
  const after = lines.slice(last + 1);
  if (after.some((line) => line.endsWith(': start worker processes'))) return null;
  return after.find((line) => /\[(emerg|alert|crit)\]/.test(line)) ?? 'it started no new workers';
}

/** Live child processes of `pid`, from /proc (Linux). */
function countChildren(pid: number): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // the process exited while we looked
    }
    // Fields after the parenthesised command name: state, ppid, ...
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === pid && state !== 'Z') count += 1;
  }
  return count;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  // Once nginx's master has exited and been reaped, its pid (and group id) may be another process's.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export interface HostResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * GET through nginx with a given Host header, on a fresh connection each
 * time (fetch cannot set Host). Rejects on connection errors and after `timeoutMs`.
 */
export function getWithHost(
  port: number,
  host: string,
  { path = '/', timeoutMs = 5_000 }: { path?: string; timeoutMs?: number } = {},
): Promise<HostResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { host }, agent: false, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}${path} timed out after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** A port nothing listens on right now (bound to 0, then released). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
