import { spawn } from 'node:child_process';
import { chmod, chown, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ExecOptions, ExecResult, HostTransport } from '../../core/ports/host-transport';
import type { SandboxUser, SandboxUsers } from './sandbox-users';

const defaultTimeoutMs = 60_000;
const defaultMaxBytes = 1 << 20;

export interface LocalTransportOptions {
  name?: string;
  address?: string;
  /**
   * Sandbox users of the work root. With them, everything inside a sandbox's
   * directory `<root>/<slug>` belongs to that sandbox's OS user: files the bot
   * writes there are chowned to it, and a command whose working directory (or
   * else first absolute-path argument) lies there runs as the directory's
   * owner, with HOME in its directory. Without them, everything runs as the bot.
   */
  sandboxUsers?: SandboxUsers;
}

/** The bot's own machine as a host (the `local` compute provider): execve without a shell, plain fs calls. */
export function createLocalTransport({ name = 'local', address = '127.0.0.1', sandboxUsers }: LocalTransportOptions = {}): HostTransport {
  /** `<root>/<slug>` when `path` lies in a sandbox's directory (the directory itself counts when `orSelf`). */
  const sandboxDirOf = (path: string, orSelf: boolean): string | null => {
    if (!sandboxUsers || !isAbsolute(path)) return null;
    const rel = relative(resolvePath(sandboxUsers.root), resolvePath(path));
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) return null;
    const segments = rel.split('/');
    if (segments[0]!.startsWith('.') || (segments.length < 2 && !orSelf)) return null;
    return join(sandboxUsers.root, segments[0]!);
  };
  const execUser = async (argv: readonly string[], options: ExecOptions): Promise<{ user: SandboxUser; home: string } | null> => {
    const target = options.cwd ?? argv.find((arg) => isAbsolute(arg) && sandboxDirOf(arg, true));
    const dir = target ? sandboxDirOf(target, true) : null;
    const user = dir ? await sandboxUsers!.ownerOf(dir) : null;
    return dir && user && user.uid !== 0 ? { user, home: join(dir, 'home') } : null;
  };

  return {
    name,
    address,
    async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
      const [command, ...args] = argv;
      if (!command) throw new Error('exec: empty argv');
      const sandbox = await execUser(argv, options);
      const identity = sandbox ? { HOME: sandbox.home, USER: sandbox.user.name, LOGNAME: sandbox.user.name } : { HOME: process.env.HOME ?? '/root' };
      return new Promise((resolve, reject) => {
        const child = spawn(command, args, {
          cwd: options.cwd,
          env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', ...identity, ...options.env },
          stdio: ['pipe', 'pipe', 'pipe'],
          ...(sandbox ? { uid: sandbox.user.uid, gid: sandbox.user.gid } : {}),
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
      const dir = sandboxDirOf(path, false);
      const owner = dir ? await sandboxUsers!.claim(dir) : null;
      if (dir && owner) await makeDirs(dir, dirname(path), owner);
      else await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.tmp-${randomBytes(4).toString('hex')}`;
      await writeFile(temporary, content, { mode });
      if (owner) await chown(temporary, owner.uid, owner.gid);
      await chmod(temporary, mode);
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

/** Creates the directories from `base` down to `dir`, each mode 0700 and owned by the sandbox user. */
async function makeDirs(base: string, dir: string, owner: SandboxUser): Promise<void> {
  let current = base;
  for (const segment of relative(base, dir).split('/').filter(Boolean)) {
    current = join(current, segment);
    const created = await mkdir(current, { mode: 0o700 }).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') return false;
        throw error;
      },
    );
    if (created) await chown(current, owner.uid, owner.gid);
  }
}
