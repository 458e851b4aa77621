import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confirmedReloadCommand } from '../../src/infra/load-balancers/haproxy';
import { findFreePort } from './nginx';
import { waitFor } from './wait-for';

export const haproxyBinary = '/usr/sbin/haproxy';

export interface HaproxyHarness {
  /** Plain HTTP port of the sandbox frontend (the bot writes the frontend; nothing listens before the first apply). */
  port: number;
  listen: string;
  /** A second free port, for the HTTPS bind. */
  tlsPort: number;
  tlsListen: string;
  prefix: string;
  /** The directory HAProxy loads (`-f <dir>`). */
  configDir: string;
  mainConfigPath: string;
  testCommand: string[];
  /** USR2 to the master (it re-reads the configuration and starts a new worker), confirmed: see `confirmedReloadCommand`. */
  reloadCommand: string[];
  /** Waits until the master has one worker left (the old ones finished their connections). */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real HAProxy in master-worker mode (`-W -db`: in the foreground, a child
 * of the test process in its own process group) on 127.0.0.1, everything in
 * a temporary directory. The main file has only `global` and `defaults` that
 * the bot's files must not depend on (`mode tcp`); the bot's directory holds the rest.
 */
export async function startHaproxy(): Promise<HaproxyHarness> {
  if (!existsSync(haproxyBinary))
    throw new Error('haproxy is not installed; run `bash scripts/install-system-deps.sh` (npm test does this)');
  const prefix = await mkdtemp(join(tmpdir(), 'sbx-haproxy-'));
  await chmod(prefix, 0o755);
  const configDir = join(prefix, 'sandboxes');
  await mkdir(configDir);
  const mainConfigPath = join(prefix, 'haproxy.cfg');
  const [port, tlsPort, ownPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
  // An operator's defaults that would break HTTP routing if the bot's sections inherited them, and a
  // listener of the operator's own (HAProxy refuses to start with none, and the bot's frontend comes with the first route).
  await writeFile(
    mainConfigPath,
    `global\n    maxconn 512\n\ndefaults\n    mode tcp\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n\nfrontend operator\n    bind 127.0.0.1:${ownPort}\n    mode http\n    http-request return status 200\n`,
  );
  const args = ['-W', '-db', '-q', '-f', mainConfigPath, '-f', configDir];
  const child = spawn(haproxyBinary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  await waitFor(() => exited || countChildren(child.pid ?? -1) === 1, {
    timeoutMs: 5_000,
    what: 'the haproxy worker',
  }).catch((error: Error) => {
    signalGroup(child, 'SIGKILL');
    throw error;
  });
  if (exited) throw new Error(`haproxy exited at start: ${stderr.trim()}`);
  const pidFile = join(prefix, 'haproxy.pid');
  await writeFile(pidFile, `${child.pid}\n`);
  const killOnExit = () => signalGroup(child, 'SIGTERM');
  process.once('exit', killOnExit);
  let stopping: Promise<void> | null = null;
  return {
    port,
    listen: `127.0.0.1:${port}`,
    tlsPort,
    tlsListen: `127.0.0.1:${tlsPort}`,
    prefix,
    configDir,
    mainConfigPath,
    testCommand: [haproxyBinary, '-c', '-f', mainConfigPath, '-f', configDir],
    reloadCommand: confirmedReloadCommand(pidFile),
    settle: () =>
      waitFor(() => countChildren(child.pid ?? -1) === 1, {
        timeoutMs: 10_000,
        what: 'the old haproxy workers to exit',
      }),
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', killOnExit);
        await stopChild(child);
        await rm(prefix, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
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
      continue;
    }
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === pid && state !== 'Z') count += 1;
  }
  return count;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
