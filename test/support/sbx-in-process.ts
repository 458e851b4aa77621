import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import type { CliContext } from '../../src/cli/context';
import { describeSandboxError } from '../../src/cli/error-words';
import { buildProgram, createContext } from '../../src/cli/program';
import { isSandboxError } from '../../src/core/errors';

/**
 * Runs an `sbx` command inside the test process, with its own environment and
 * output, rendering failures as `main` does. For the steps of a test that are
 * not about the `sbx` process itself: a spawned `sbx` pays seconds of tsx
 * startup on a loaded machine, this pays none.
 */
export async function runSbxInProcess(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const sink = (append: (text: string) => void) =>
    new Writable({ write: (chunk, _encoding, done) => void (append(String(chunk)), done()) });
  const ctx: CliContext = {
    ...createContext({ PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...env }),
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
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
