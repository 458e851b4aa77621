import type { Command } from 'commander';
import { SandboxError } from '../../core/errors';
import { execInAppserver, redactCommand } from '../../core/operations/exec-in-appserver';
import type { CliContext } from '../context';
import { osUserOf, requireAdmin } from '../require-admin';
import { withRuntime } from '../runtime';

/** `sbx exec <instance> [appserver] -- COMMAND…`: an operator's command in an appserver's work directory (admins only). */
export function registerExec(program: Command, ctx: CliContext): void {
  program
    .command('exec <instance> [words...]')
    .usage('[--timeout <seconds>] <instance> [appserver] -- COMMAND [ARG…]')
    .description(
      'run a command in an appserver’s work directory on its host (default: the active appserver), with the sandbox’s variables; streams its output and exits with its status; admins only, audited',
    )
    .option('--timeout <seconds>', 'stop the command after this long (default 3600); goes before the instance')
    // Everything after the instance is ours to split: [appserver] -- COMMAND…, the command's options untouched.
    .passThroughOptions()
    .action(async (reference: string, words: string[], options: { timeout?: string }) => {
      const dash = words.indexOf('--');
      const argv = dash < 0 ? [] : words.slice(dash + 1);
      if (argv.length === 0)
        throw new SandboxError('usage', 'name the command after `--`, e.g. sbx exec demo -- ls -la');
      const before = words.slice(0, dash);
      if (before.length > 1 || (before[0] !== undefined && !/^[1-9]\d*$/.test(before[0])))
        throw new SandboxError(
          'usage',
          `expected at most an appserver number between the instance and \`--\`, not "${before.join(' ')}" (sbx's options go before the instance)`,
        );
      const seconds = options.timeout === undefined ? undefined : Number(options.timeout);
      if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 1))
        throw new SandboxError('usage', `--timeout must be a whole number of seconds ≥ 1, not "${options.timeout}"`);
      let admin: { name: string };
      try {
        admin = requireAdmin(ctx, ctx.config(), 'sbx exec');
      } catch (error) {
        // The refusal is recorded too: who tried to run what where.
        await withRuntime(ctx, ({ provisioning }) =>
          provisioning.store.recordAudit({
            actor: osUserOf(ctx).name,
            surface: 'cli',
            action: 'exec',
            instanceSlug: reference,
            result: 'refused',
            detail: { command: redactCommand(provisioning.redactor, argv), reason: (error as Error).message },
          }),
        );
        throw error;
      }
      await withRuntime(ctx, async ({ provisioning }) => {
        const result = await execInAppserver(provisioning, {
          reference,
          appserver: before[0] === undefined ? null : Number(before[0]),
          command: argv,
          actor: { surface: 'cli', id: admin.name },
          ...(seconds === undefined ? {} : { timeoutMs: seconds * 1000 }),
          onOutput: (stream, chunk) => (stream === 'stdout' ? ctx.stdout : ctx.stderr).write(chunk),
        });
        ctx.setExitCode(result.exitCode);
      });
    });
}
