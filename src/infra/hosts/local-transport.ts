import { spawn } from 'node:child_process';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ExecOptions, ExecResult, HostTransport } from '../../core/ports/host-transport';

const defaultTimeoutMs = 60_000;
const defaultMaxBytes = 1 << 20;

/** The bot's own machine as a host (the `local` compute provider): execve without a shell, plain fs calls. */
export function createLocalTransport({ name = 'local', address = '127.0.0.1' }: { name?: string; address?: string } = {}): HostTransport {
  return {
    name,
    address,
    exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
      const [command, ...args] = argv;
      if (!command) return Promise.reject(new Error('exec: empty argv'));
      return new Promise((resolve, reject) => {
        const child = spawn(command, args, {
          cwd: options.cwd,
          env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...options.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${name}: \`${command}\` timed out after ${options.timeoutMs ?? defaultTimeoutMs}ms`));
        }, options.timeoutMs ?? defaultTimeoutMs);
        child.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() });
        });
        child.stdin.on('error', () => undefined);
        child.stdin.end(options.stdin ?? '');
      });
    },
    async writeFile(path, content, mode = 0o644) {
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.tmp-${randomBytes(4).toString('hex')}`;
      await writeFile(temporary, content, { mode });
      await rename(temporary, path);
    },
    async readFile(path, { offset = 0, maxBytes = defaultMaxBytes } = {}) {
      let handle;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      try {
        const buffer = Buffer.alloc(maxBytes);
        const { bytesRead } = await handle.read(buffer, 0, maxBytes, offset);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    async fileSize(path) {
      try {
        return (await stat(path)).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async listDir(path) {
      try {
        return await readdir(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    },
    async remove(path) {
      await rm(path, { recursive: true, force: true });
    },
    async close() {},
  };
}
