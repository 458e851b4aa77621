import type { SandboxCommand } from '../core/commands';
import { maintenanceQueuedText } from '../core/maintenance';
import { runCommand, type AnswerOf } from '../core/commands/runners';
import type { CliRuntime } from './runtime';

/**
 * Runs a command through the runner every surface shares, as the CLI's
 * operator (the CLI has no permissions of its own: whoever can reach the
 * database and the config may act). A refusal or failure is thrown as its
 * SandboxError, rendered once by `main` (src/cli/error-words.ts). Work
 * accepted during maintenance is announced in the words Slack and GitHub
 * use: "in maintenance: <message>, queued".
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
  if (result.queuedInMaintenance) runtime.notice(maintenanceQueuedText(result.queuedInMaintenance.message));
  return result.answer as AnswerOf<C['name']>;
}
