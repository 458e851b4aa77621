import { spawn } from 'node:child_process';
import { chmod, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
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
export function createLocalTransport({
  name = 'local',
  address = '127.0.0.1',
  sandboxUsers,
}: LocalTransportOptions = {}): HostTransport {
  /** `<root>/<slug>` when `path` lies in a sandbox's directory (the directory itself counts when `orSelf`). */
  const sandboxDirOf = (path: string, orSelf: boolean): string | null => {
    if (!sandboxUsers || !isAbsolute(path)) return null;
    const rel = relative(resolvePath(sandboxUsers.root), resolvePath(path));
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) return null;
    const segments = rel.split('/');
    if (segments[0]!.startsWith('.') || (segments.length < 2 && !orSelf)) return null;
    return join(sandboxUsers.root, segments[0]!);
  };
  const execUser = async (
    argv: readonly string[],
    options: ExecOptions,
  ): Promise<{ user: SandboxUser; home: string } | null> => {
    const target = options.cwd ?? argv.find((arg) => isAbsolute(arg) && sandboxDirOf(arg, true));
    const dir = target ? sandboxDirOf(target, true) : null;
    const user = dir ? await sandboxUsers!.ownerOf(dir) : null;
    return dir && user && user.uid !== 0 ? { user, home: join(dir, 'home') } : null;
  };

  /**
   * The owner of the sandbox directory `path` lies in, when file operations
   * there must run as that user: the sandbox's own code can replace any file
   * or directory in it with a symbolic link (to `.env`, the session secret,
   * another sandbox), and the bot, as root, would follow it. Done as the
   * sandbox user, a read or write reaches only what that user may reach.
   */
  const fileUser = async (path: string): Promise<SandboxUser | null> => {
    const dir = sandboxDirOf(path, false);
    const user = dir ? await sandboxUsers!.ownerOf(dir) : null;
    return user && user.uid !== 0 ? user : null;
  };

  return {
    name,
    address,
    async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
      const [command, ...args] = argv;
      if (!command) throw new Error('exec: empty argv');
      const sandbox = await execUser(argv, options);
      const identity = sandbox
        ? { HOME: sandbox.home, USER: sandbox.user.name, LOGNAME: sandbox.user.name }
        : { HOME: process.env.HOME ?? '/root' };
      return new Promise((resolve, reject) => {
        const child = spawn(command, args, {
          cwd: options.cwd,
          env: {
            PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
            LANG: 'C.UTF-8',
            ...identity,
            ...options.env,
          },
          // Without input, /dev/null: bash takes a socket on its standard input for a remote shell and
          // sources ~/.bashrc first (about 200 ms for root on these machines, on every launch).
          stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
          ...(sandbox ? { uid: sandbox.user.uid, gid: sandbox.user.gid } : {}),
        });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        child.stdout!.on('data', (chunk: Buffer) => {
          stdout.push(chunk);
          options.onOutput?.('stdout', chunk);
        });
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr.push(chunk);
          options.onOutput?.('stderr', chunk);
        });
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
        if (child.stdin) {
          child.stdin.on('error', () => undefined);
          child.stdin.end(options.stdin);
        }
      });
    },
    async writeFile(path, content, mode = 0o644) {
      const dir = sandboxDirOf(path, false);
      const owner = dir ? await sandboxUsers!.claim(dir) : null;
      const temporary = `${path}.tmp-${randomBytes(4).toString('hex')}`;
      if (owner && owner.uid !== 0) {
        // Positional arguments only: no path or mode is ever part of the script text.
        const script =
          'umask 077 && mkdir -p -- "$(dirname -- "$3")" && cat > "$1" && chmod "$2" "$1" && mv -f -- "$1" "$3"';
        const result = await runAs(
          owner,
          ['sh', '-c', script, 'sh', temporary, mode.toString(8), path],
          typeof content === 'string' ? Buffer.from(content) : content,
        );
        if (result.code !== 0)
          throw new Error(`${name}: writing ${path} as ${owner.name} failed: ${result.stderr.toString().trim()}`);
        return;
      }
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temporary, content, { mode });
      await chmod(temporary, mode);
      await rename(temporary, path);
    },
    async readFile(path, { offset = 0, maxBytes = defaultMaxBytes } = {}) {
      const owner = await fileUser(path);
      if (owner) {
        const result = await runAs(owner, [
          'dd',
          `if=${path}`,
          'iflag=skip_bytes,count_bytes,nofollow',
          `skip=${offset}`,
          `count=${maxBytes}`,
          'bs=131072',
          'status=none',
        ]);
        // Missing, or not something this sandbox's user may read (a link it planted): nothing to read.
        return result.code === 0 ? result.stdout : null;
      }
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
      const owner = await fileUser(path);
      if (owner) {
        const result = await runAs(owner, ['stat', '-c', '%s', '--', path]);
        return result.code === 0 ? Number(result.stdout.toString().trim()) : null;
      }
      try {
        return (await stat(path)).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async listDir(path) {
      const owner = await fileUser(path);
      if (owner) {
        const result = await runAs(owner, ['find', path, '-mindepth', '1', '-maxdepth', '1', '-printf', '%f\\0']);
        return result.code === 0 ? result.stdout.toString().split('\0').filter(Boolean) : [];
      }
      try {
        return await readdir(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    },
    async remove(path) {
      const owner = await fileUser(path);
      if (owner) {
        const result = await runAs(owner, ['rm', '-rf', '--', path]);
        if (result.code !== 0)
          throw new Error(`${name}: removing ${path} as ${owner.name} failed: ${result.stderr.toString().trim()}`);
        return;
      }
      // fs.rm does not follow links: removing a sandbox's whole directory as root is safe.
      await rm(path, { recursive: true, force: true });
    },
    async close() {},
  };
}

/** Runs a file-handling command as a sandbox user (no shell unless argv asks for one), binary stdout. */
function runAs(
  user: SandboxUser,
  argv: readonly string[],
  stdin?: Buffer,
): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }> {
  const [command, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, {
      env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
      cwd: '/',
      uid: user.uid,
      gid: user.gid,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), defaultTimeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? Buffer.alloc(0));
  });
}
