import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import type { CliContext } from '../../src/cli/context';
import { describeSandboxError } from '../../src/cli/error-words';
import { buildProgram, createContext } from '../../src/cli/program';
import { isSandboxError } from '../../src/core/errors';

/** A stream that hands everything written to it to `append` as text: a command's captured stdout or stderr. */
export const textSink = (append: (text: string) => void): Writable =>
  new Writable({ write: (chunk, _encoding, done) => void (append(String(chunk)), done()) });

/**
 * Runs an `sbx` command inside the test process, with its own environment and
 * output, rendering failures as `main` does. For the steps of a test that are
 * not about the `sbx` process itself: a spawned `sbx` pays seconds of tsx
 * startup on a loaded machine, this pays none. `osUser` stands for the OS user
 * running it (the identity admin-only commands check); default: this process's.
 */
export async function runSbxInProcess(
  args: string[],
  env: Record<string, string | undefined>,
  { osUser }: { osUser?: CliContext['osUser'] } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const ctx: CliContext = {
    ...createContext({ PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...env }),
    ...(osUser ? { osUser } : {}),
    stdout: textSink((text) => (stdout += text)),
    stderr: textSink((text) => (stderr += text)),
    setExitCode: (exitCode) => void (code = exitCode),
  };
  try {
    await buildProgram(ctx).parseAsync(['node', 'sbx', ...args]);
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else if (isSandboxError(error)) {
      const { text, exitCode } = describeSandboxError(error);
      stderr += exitCode === 2 ? `${text}\n` : `sbx: ${text}\n`;
      code = exitCode;
    } else throw error;
  }
  return { code, stdout, stderr };
}
