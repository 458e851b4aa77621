import type { Command } from 'commander';
import { describeDrift, findDrift, healDrift } from '../../core/provisioning/reconcile';
import type { CliContext } from '../context';
import { createProgress } from '../progress';
import { withRuntime, writeJson } from '../runtime';

export function registerCleanup(program: Command, ctx: CliContext): void {
  program
    .command('cleanup')
    .description('compare the database with hosts and load-balancer routes and heal the drift')
    .option('--dry-run', 'only print the drift')
    .option('--json', 'print one JSON object')
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      await withRuntime(ctx, async ({ provisioning }) => {
        const bar = createProgress(ctx, { title: 'cleanup', total: 1 });
        let drift;
        try {
          bar.update(0, 'comparing the database with hosts and routes');
          drift = await findDrift(provisioning);
          const heal = options.dryRun ? [] : drift.filter((item) => item.kind !== 'unreachable_host');
          bar.setTotal(heal.length + 1);
          bar.update(1, `found ${drift.length} drift item(s)`);
          // One item at a time, so the bar says which one is being healed.
          for (const [index, item] of heal.entries()) {
            bar.update(index + 1, `healing: ${describeDrift(item)}`);
            await healDrift(provisioning, [item]);
          }
          bar.update(heal.length + 1, 'done');
        } finally {
          bar.stop();
        }
        if (options.json) return writeJson(ctx, { dry_run: Boolean(options.dryRun), drift });
        if (drift.length === 0) return void ctx.stdout.write('no drift\n');
        for (const item of drift)
          ctx.stdout.write(`${options.dryRun ? 'would heal' : 'healed'}: ${describeDrift(item)}\n`);
      });
    });
}
