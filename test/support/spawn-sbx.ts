import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export interface SbxProcess {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends a signal and waits for the exit (bounded). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

/**
 * Runs `node bin/sbx.js …` as a real process, the way an operator would;
 * `release` is the checkout whose `bin/sbx.js` runs (another version of the bot, e.g. in a rolling update).
 */
export function spawnSbx(
  args: string[],
  env: Record<string, string | undefined>,
  cwd = root,
  release = root,
): SbxProcess {
  const child = spawn(process.execPath, [join(release, 'bin', 'sbx.js'), ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Runs an sbx command to completion (bounded) and returns its exit code and output. */
export async function runSbx(
  args: string[],
  env: Record<string, string | undefined>,
  { timeoutMs = 60_000, cwd, release = root }: { timeoutMs?: number; cwd?: string; release?: string } = {},
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(release, 'bin', 'sbx.js'), ...args], {
    cwd: cwd ?? root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => {
    child.kill('SIGKILL');
    // A process it left behind could hold the pipes open; 'close' must come anyway.
    child.stdout.destroy();
    child.stderr.destroy();
  }, timeoutMs);
  // 'close', not 'exit': 'exit' may come before the last output has been read from the pipes.
  const code = await new Promise<number | string>((resolve) =>
    child.on('close', (c, s) => resolve(c ?? s ?? 'unknown')),
  );
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Polls a URL until it answers `status` (bounded); returns the elapsed milliseconds. */
export async function waitForStatus(url: string, status = 200, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === status) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${url} to answer ${status}`);
}

/**
 * A fresh directory named after `prefix` holding sandbox.yml (`yaml`, given the directory), and the environment an
 * `sbx` process needs to run on it against `databaseUrl`: the data directory inside it, only warnings and errors
 * logged, `extra` added.
 */
export function sbxWorkspace(
  prefix: string,
  yaml: (dir: string) => string,
  databaseUrl: string,
  extra: Record<string, string> = {},
): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'sandbox.yml'), yaml(dir));
  const env = {
    SBX_CONFIG: join(dir, 'sandbox.yml'),
    DATABASE_URL: databaseUrl,
    SBX_DATA_DIR: join(dir, 'data'),
    LOG_LEVEL: 'warn',
    ...extra,
  };
  return { dir, env };
}
