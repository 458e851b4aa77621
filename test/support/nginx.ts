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
   * Waits until the master has one worker left. After a reload nginx keeps the
   * old workers accepting for about 100 ms (and draining after that), so right
   * after a switch some requests still see the previous configuration; call
   * this once the new configuration has answered to be sure it alone answers.
   * After several reloads, wait for an answer only the last one gives: until the
   * master acts on a reload signal it has one worker, so this returns at once.
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
    settle: () =>
      waitFor(() => countChildren(child.pid ?? -1) === 1, { timeoutMs: 10_000, what: 'the old nginx workers to exit' }),
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
