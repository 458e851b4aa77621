import type { Command } from 'commander';
import { describeDrift, findDrift, healDrift } from '../../core/provisioning/reconcile';
import type { CliContext } from '../context';
import { withRuntime, writeJson } from '../runtime';

export function registerCleanup(program: Command, ctx: CliContext): void {
  program
    .command('cleanup')
    .description('compare the database with hosts and load-balancer routes and heal the drift')
    .option('--dry-run', 'only print the drift')
    .option('--json', 'print one JSON object')
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      await withRuntime(ctx, async ({ provisioning }) => {
        const drift = await findDrift(provisioning);
        if (!options.dryRun)
          await healDrift(
            provisioning,
            drift.filter((item) => item.kind !== 'unreachable_host'),
          );
        if (options.json) return writeJson(ctx, { dry_run: Boolean(options.dryRun), drift });
        if (drift.length === 0) return void ctx.stdout.write('no drift\n');
        for (const item of drift)
          ctx.stdout.write(`${options.dryRun ? 'would heal' : 'healed'}: ${describeDrift(item)}\n`);
      });
    });
}
