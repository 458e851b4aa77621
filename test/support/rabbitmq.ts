import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './nginx';
import { waitFor } from './wait-for';

export const rabbitmqBinary = '/usr/sbin/rabbitmq-server';

export interface RabbitmqHarness {
  amqpPort: number;
  managementPort: number;
  /** `http://guest:guest@127.0.0.1:<port>`: the management API (guest may log in from loopback only). */
  managementUrl: string;
  /** `amqp://127.0.0.1:<port>`, for `amqp_url`. */
  amqpUrl: string;
  /** Milliseconds until the management API answered. */
  startupMs: number;
  /** Stops the node (TERM to its Erlang VM, then KILL) and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A throwaway RabbitMQ node (its own node name, Mnesia directory, AMQP,
 * management and distribution ports on 127.0.0.1) with the management plugin
 * enabled offline. It boots in about 10–15 s: start it once per test file.
 * The node also gets an epmd of its own (its own port on 127.0.0.1): the VM
 * starts one as a daemon that outlives the node, so `stop()` ends it too —
 * a shared machine-wide epmd would be a process left behind by the first
 * test file that happened to start it.
 */
export async function startRabbitmq(): Promise<RabbitmqHarness> {
  if (!existsSync(rabbitmqBinary))
    throw new Error('rabbitmq-server is not installed; run `bash scripts/install-system-deps.sh` (npm test does this)');
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'sbx-rabbitmq-'));
  await chmod(dir, 0o755);
  if (process.getuid?.() === 0) {
    const uid = Number(spawnSync('id', ['-u', 'rabbitmq'], { encoding: 'utf8' }).stdout);
    const gid = Number(spawnSync('id', ['-g', 'rabbitmq'], { encoding: 'utf8' }).stdout);
    await chown(dir, uid, gid);
  }
  const [amqpPort, managementPort, distPort, epmdPort] = [
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
  ];
  await writeFile(join(dir, 'enabled_plugins'), '[rabbitmq_management].\n', { mode: 0o644 });
  await writeFile(
    join(dir, 'rabbitmq.conf'),
    `listeners.tcp.default = 127.0.0.1:${amqpPort}\nmanagement.tcp.ip = 127.0.0.1\nmanagement.tcp.port = ${managementPort}\nlog.console = false\nlog.file.level = warning\n`,
    { mode: 0o644 },
  );
  const pidFile = join(dir, 'rabbit.pid');
  const child = spawn(rabbitmqBinary, [], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      RABBITMQ_NODENAME: `sbx${randomBytes(4).toString('hex')}@localhost`,
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: pidFile,
      RABBITMQ_DIST_PORT: String(distPort),
      ERL_EPMD_PORT: String(epmdPort),
      ERL_EPMD_ADDRESS: '127.0.0.1',
    },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const managementUrl = `http://guest:guest@127.0.0.1:${managementPort}`;
  const stop = stopper(child, dir, pidFile, epmdPort);
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`rabbitmq-server exited ${child.exitCode}: ${stderr}`);
        const response = await fetch(`http://127.0.0.1:${managementPort}/api/overview`, {
          headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
        }).catch(() => null);
        return response?.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the RabbitMQ management API' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    amqpPort,
    managementPort,
    managementUrl,
    amqpUrl: `amqp://127.0.0.1:${amqpPort}`,
    startupMs: Date.now() - started,
    stop,
  };
}

function stopper(child: ChildProcess, dir: string, pidFile: string, epmdPort: number): () => Promise<void> {
  let stopped: Promise<void> | null = null;
  return () => {
    stopped ??= (async () => {
      // The wrapper script runs the Erlang VM as the rabbitmq user; the VM's own pid is in the pid file.
      const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
      const alive = (id: number) => {
        try {
          process.kill(id, 0);
          return true;
        } catch {
          return false;
        }
      };
      if (pid > 0 && alive(pid)) {
        process.kill(pid, 'SIGTERM');
        await waitFor(() => !alive(pid), { timeoutMs: 15_000, intervalMs: 100 }).catch(() => {
          if (alive(pid)) process.kill(pid, 'SIGKILL');
        });
      }
      if (child.exitCode === null) child.kill('SIGKILL');
      // The node's own epmd: no node is registered with it any more, so it accepts -kill.
      const killed = spawnSync('epmd', ['-kill'], {
        env: { ...process.env, ERL_EPMD_PORT: String(epmdPort), ERL_EPMD_ADDRESS: '127.0.0.1' },
        encoding: 'utf8',
        timeout: 10_000,
      });
      if (killed.status !== 0 && !/not running|Cannot connect/i.test(`${killed.stdout}${killed.stderr}`))
        throw new Error(`could not stop the test node's epmd on port ${epmdPort}: ${killed.stdout}${killed.stderr}`);
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
}
