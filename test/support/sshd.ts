/**
 * A real OpenSSH sshd on 127.0.0.1 at a free port, for end-to-end tests and
 * benchmarks: its own host key, client key pair, authorized_keys and pid file
 * in a temporary directory. Nothing global is registered: the caller stops it
 * (afterAll).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sshdPath = '/usr/sbin/sshd';
const startTimeoutMs = 10_000;

export type TestSshd = {
  address: '127.0.0.1';
  port: number;
  user: 'root';
  privateKey: string;
  /** `SHA256:…` of the host key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** Directory holding the keys and config (removed by stop()). */
  dir: string;
  /** Pids of the per-connection sshd processes and the sessions under them. */
  sessionPids(): number[];
  /** SIGTERM, bounded wait, then removes the directory. */
  stop(): Promise<void>;
  /** SIGKILL to the server and every connection it serves: simulates losing the host. */
  kill(): void;
  /** Starts again on the same port with the same keys. */
  restart(): Promise<void>;
};

/** `sftp: false` leaves the SFTP subsystem out, like a host whose sshd_config lacks it. */
export async function startSshd({ sftp = true }: { sftp?: boolean } = {}): Promise<TestSshd> {
  if (!existsSync(sshdPath))
    throw new Error('openssh-server is not installed; run `bash scripts/install-system-deps.sh` (npm test does this)');
  mkdirSync('/run/sshd', { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'sbx-sshd-'));
  const hostKey = join(dir, 'host_ed25519_key');
  const clientKey = join(dir, 'client_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sbx-test-host', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sbx-test-client', '-f', clientKey]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  const hostKeyFingerprint =
    execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1] ?? '';

  let port = 0;
  let child: ChildProcess | undefined;
  let stderr = '';
  const configPath = join(dir, 'sshd_config');

  const launch = async (): Promise<void> => {
    stderr = '';
    const started = spawn(sshdPath, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8_000);
    });
    await waitForBanner(port, started, () => stderr);
  };

  // A free port can be taken between probing and binding; try a few.
  for (let attempt = 1; ; attempt += 1) {
    port = await freePort();
    writeFileSync(configPath, sshdConfig(dir, port, sftp));
    try {
      await launch();
      break;
    } catch (error) {
      signalAll(child, 'SIGKILL');
      if (attempt === 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  return {
    address: '127.0.0.1',
    port,
    user: 'root',
    privateKey: readFileSync(clientKey, 'utf8'),
    hostKeyFingerprint,
    dir,
    sessionPids: () => (child?.pid ? descendants(child.pid) : []),
    async stop() {
      const running = child;
      child = undefined;
      if (running) {
        signalAll(running, 'SIGTERM');
        const exited = await waitForExit(running, 5_000);
        if (!exited) signalAll(running, 'SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      signalAll(child, 'SIGKILL');
      child = undefined;
    },
    async restart() {
      if (!existsSync(configPath)) throw new Error('sshd harness: restart() after stop()');
      const running = child;
      if (running) {
        signalAll(running, 'SIGKILL');
        await waitForExit(running, 5_000);
      }
      await launch();
    },
  };
}

function sshdConfig(dir: string, port: number, sftp: boolean): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // In-process SFTP: no login shell in front of the SFTP server.
    sftp ? 'Subsystem sftp internal-sftp' : '',
    // Debian's bash sources ~/.bashrc for commands run by sshd unless it is a
    // nested shell; root's ~/.bashrc here costs ~100–200 ms per exec.
    'SetEnv SHLVL=1',
    'LogLevel ERROR',
    'MaxStartups 50:30:100',
    '',
  ].join('\n');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Waits until the port accepts TCP and sends an SSH banner; fails fast if sshd exits. */
async function waitForBanner(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`sshd exited during start (${child.exitCode ?? child.signalCode}): ${stderr().trim()}`);
    if (await bannerArrives(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`sshd did not answer on 127.0.0.1:${port} within ${startTimeoutMs}ms: ${stderr().trim()}`);
}

function bannerArrives(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\n')) finish(received.startsWith('SSH-2.0-'));
    });
    socket.on('end', () => finish(false));
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Signals sshd and everything under it. Per-connection sshd processes call
 * setsid(), so a process-group kill would miss them; walk /proc instead
 * (collecting first, since children are re-parented once the listener dies).
 */
function signalAll(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  // Once sshd has exited and been reaped, its pid may be another process's: nothing of ours is left under it.
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  for (const pid of [child.pid, ...descendants(child.pid)]) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // already gone is fine
    }
  }
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // the process exited while we looked
    }
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const pid of children.get(queue.shift() as number) ?? []) {
      found.push(pid);
      queue.push(pid);
    }
  }
  return found;
}
