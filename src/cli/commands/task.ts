import type { Command } from 'commander';
import { SandboxError } from '../../core/errors';
import type { CliContext } from '../context';
import { runCliCommand } from '../run-cli-command';
import { withRuntime, writeJson } from '../runtime';

/** `sbx task <instance> <name>`: a recipe task on the active appserver's host, its output, and its exit status as sbx's own. */
export function registerTask(program: Command, ctx: CliContext): void {
  program
    .command('task <instance> <name>')
    .description(
      'run one of the recipe’s named tasks (repositories[].tasks) on the active appserver’s host; prints its output, exits with its status',
    )
    .option('--timeout <seconds>', 'stop the task after this long (default 1800)')
    .option('--json', 'print one JSON object')
    .action(async (reference: string, name: string, options: { timeout?: string; json?: boolean }) => {
      const seconds = options.timeout === undefined ? undefined : Number(options.timeout);
      if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 1))
        throw new SandboxError('usage', `--timeout must be a whole number of seconds ≥ 1, not "${options.timeout}"`);
      await withRuntime(ctx, async (runtime) => {
        const answer = await runCliCommand(runtime, {
          name: 'task',
          instance: reference,
          task: name,
          ...(seconds === undefined ? {} : { timeoutMs: seconds * 1000 }),
        });
        if (options.json)
          writeJson(ctx, {
            slug: answer.sandbox.slug,
            appserver: answer.appserver,
            task: answer.task,
            exit_code: answer.exitCode,
            stdout: answer.stdout,
            stderr: answer.stderr,
          });
        else {
          ctx.stdout.write(answer.stdout);
          ctx.stderr.write(answer.stderr);
          ctx.stderr.write(
            `task ${answer.task} of ${answer.sandbox.slug} (appserver ${answer.appserver}) exited with status ${answer.exitCode}\n`,
          );
        }
        ctx.setExitCode(answer.exitCode === 0 ? 0 : answer.exitCode);
      });
    });
}
