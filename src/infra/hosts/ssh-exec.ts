/**
 * Exec over SSH: the command line sent to the host and the collection of
 * what comes back.
 */
import type { ClientChannel } from 'ssh2';
import type { ExecOptions, ExecResult } from '../../core/ports/host-transport';
import { assertEnvName, quoteArgv } from '../../core/shell-quote';

/** How much later than our own timer the host kills a timed-out command, so our timeout error always comes first. */
const remoteGraceMs = 1_000;

/**
 * `cd <cwd> && exec timeout -s KILL <s> env -- NAME=value… argv…`, every part
 * quoted. `env` runs the program from PATH as execve does locally (no shell
 * builtins or functions). The host enforces the deadline itself with
 * coreutils' `timeout`, which kills the command's whole process group: sshd
 * ignores "signal" requests for root sessions, and closing the channel kills
 * nothing.
 */
export function buildRemoteCommand(argv: readonly string[], { env = {}, cwd }: ExecOptions, timeoutMs: number): string {
  const [program] = argv;
  if (program === undefined || program === '') throw new Error('exec: empty argv');
  if (program.includes('='))
    throw new Error(`exec: program name ${JSON.stringify(program)} contains "=", which env would take for a variable`);
  const assignments = Object.entries(env).map(([key, value]) => {
    assertEnvName(key);
    return `${key}=${value}`;
  });
  const seconds = ((timeoutMs + remoteGraceMs) / 1_000).toFixed(3);
  const run = `exec ${quoteArgv(['timeout', '-s', 'KILL', seconds, 'env', '--', ...assignments, ...argv])}`;
  return cwd === undefined ? run : `cd ${quoteArgv(['--', cwd])} && ${run}`;
}

/** Gathers a channel's output and exit status; on timeout, rejects and closes the channel. Call it as soon as the channel opens. */
export function collectExec(
  channel: ClientChannel,
  {
    name,
    label,
    stdin,
    timeoutMs,
    onOutput,
  }: {
    name: string;
    label: string;
    stdin: string | Buffer | undefined;
    timeoutMs: number;
    onOutput?: ExecOptions['onOutput'];
  },
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let exit: { code: number | null; signal: string | null } | undefined;
    const timer = setTimeout(() => {
      reject(new Error(`${name}: ${label} timed out after ${timeoutMs}ms`));
      channel.close(); // the host kills the command (see buildRemoteCommand)
    }, timeoutMs);
    channel.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      onOutput?.('stdout', chunk);
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      onOutput?.('stderr', chunk);
    });
    channel.on('exit', (code: number | null, signal?: string) => {
      exit = { code: code ?? null, signal: signal ?? null };
    });
    channel.on('close', () => {
      clearTimeout(timer);
      if (!exit) return reject(new Error(`${name}: ${label} ended without an exit status`));
      resolve({ ...exit, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() });
    });
    channel.on('error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
    channel.end(stdin ?? '');
  });
}
