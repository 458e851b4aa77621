import type { SandboxCommand } from '../core/commands';
import { runCommand, type AnswerOf } from '../core/commands/runners';
import type { CliRuntime } from './runtime';

/**
 * Runs a command through the runner every surface shares, as the CLI's
 * operator (the CLI has no permissions of its own: whoever can reach the
 * database and the config may act). A refusal or failure is thrown as its
 * SandboxError, rendered once by `main` (src/cli/error-words.ts).
 */
export async function runCliCommand<C extends Exclude<SandboxCommand, { name: 'help' }>>(
  runtime: CliRuntime,
  command: C,
): Promise<AnswerOf<C['name']>> {
  const result = await runCommand(runtime.commands, {
    actor: runtime.actor,
    command,
    authorize: async () => undefined,
  });
  if (!result.ok) throw result.error;
  return result.answer as AnswerOf<C['name']>;
}
