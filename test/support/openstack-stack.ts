/**
 * The real OpenStack of scripts/openstack-up.sh (Keystone, Nova with the
 * fake driver, Neutron, Glance, Placement, MariaDB, RabbitMQ in a private PID
 * and mount namespace), for the OpenStack tier of the tests and the bench.
 * It takes 2–5 minutes to come up, so only test/provisioning/openstack.test.ts
 * and bench/cases/openstack-boot.ts start it, once each. With
 * SBX_OPENSTACK_DIR set to the directory of a stack already up (left running
 * by hand), that one is used and left running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface OpenStackStackEnv {
  auth_url: string;
  region: string;
  user: string;
  password: string;
  project: string;
  application_credential_id: string;
  application_credential_secret: string;
  project_id: string;
  network: string;
  network_id: string;
  image: string;
  flavors: string[];
}

export interface OpenStackStack {
  env: OpenStackStackEnv;
  dir: string;
  /** Seconds until every service answered (0 for a stack reused through SBX_OPENSTACK_DIR). */
  startupSeconds: number;
  stop(): Promise<void>;
}

const root = join(import.meta.dirname, '..', '..');
const upTimeoutMs = 9 * 60_000;

export async function startOpenStack(): Promise<OpenStackStack> {
  const reused = process.env.SBX_OPENSTACK_DIR;
  if (reused) {
    if (!existsSync(join(reused, 'ready')))
      throw new Error(`SBX_OPENSTACK_DIR=${reused} holds no stack that is up (no ready file)`);
    return { env: readEnv(reused), dir: reused, startupSeconds: 0, stop: async () => undefined };
  }
  if (!existsSync('/usr/bin/keystone-manage') || !existsSync('/usr/bin/nova-api'))
    throw new Error(
      'the OpenStack packages are not installed; run `bash scripts/install-system-deps.sh` (npm test does this)',
    );
  const dir = mkdtempSync(join(tmpdir(), 'sbx-openstack-'));
  const base = await freeBlock();
  const started = Date.now();
  const child = spawn('bash', [join(root, 'scripts', 'openstack-up.sh'), dir, String(base)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = () => stopStack(child, dir);
  try {
    for (;;) {
      if (existsSync(join(dir, 'ready'))) break;
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `scripts/openstack-up.sh exited (${child.exitCode ?? child.signalCode}):\n${output.slice(-4_000)}`,
        );
      if (Date.now() - started > upTimeoutMs)
        throw new Error(
          `OpenStack was not up within ${upTimeoutMs / 60_000} minutes:\n${output.slice(-4_000)}${logTails(dir)}`,
        );
      await sleep(500);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { env: readEnv(dir), dir, startupSeconds: Math.round((Date.now() - started) / 1000), stop };
}

function readEnv(dir: string): OpenStackStackEnv {
  return JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')) as OpenStackStackEnv;
}

/**
 * Eight consecutive free ports (the script's port_base + 0..7), below the
 * kernel's ephemeral range (32768 up): there, an outgoing connection could
 * take one between this probe and the service binding it.
 */
async function freeBlock(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const base = 32_400 + Math.floor(Math.random() * 36) * 10;
    let free = true;
    for (let offset = 0; offset < 8 && free; offset += 1) free = await portFree(base + offset);
    if (free) return base;
  }
  throw new Error('no block of 8 free ports found in 32400-32767 for the OpenStack services');
}

async function portFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** SIGKILL to the namespace wrapper ends every process of the stack (PID 1 of the namespace dies with it). */
async function stopStack(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  const down = spawn('bash', [join(root, 'scripts', 'openstack-down.sh'), dir], { stdio: 'ignore' });
  await new Promise((resolve) => down.once('exit', resolve));
}

/** The last lines of each service's log in the stack's directory (read before `stop` removes it). */
function logTails(dir: string): string {
  const logs = join(dir, 'log');
  if (!existsSync(logs)) return '';
  return readdirSync(logs)
    .filter((name) => name.endsWith('.log'))
    .map((name) => {
      const lines = readFileSync(join(logs, name), 'utf8').trimEnd().split('\n').slice(-15);
      return `\n--- ${name} (last ${lines.length} lines)\n${lines.join('\n')}`;
    })
    .join('');
}
