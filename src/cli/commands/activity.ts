import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadActivityReport, renderActivityCsv } from '../../core/activity/activity-report';
import { createActivityRecords } from '../../infra/db/activity-records';
import type { CliContext } from '../context';
import { withRuntime } from '../runtime';
import { hitsMeasured } from '../../config/request-log';

/** `sbx activity-csv [--out FILE]`: one row per active appserver, with its hits and visitors over 30 days. */
export function registerActivity(program: Command, ctx: CliContext): void {
  program
    .command('activity-csv')
    .description(
      'usage of every active appserver as CSV: host, domain, name, contact email, hits and unique visitors over 30 days (N/A where not measured)',
    )
    .option('--out <file>', 'write the CSV to this file instead of stdout')
    .action(async (options: { out?: string }) => {
      await withRuntime(ctx, async (runtime) => {
        const rows = await loadActivityReport({
          store: runtime.provisioning.store,
          activity: createActivityRecords(runtime.database.db),
          now: runtime.provisioning.now,
          hitsMeasured: hitsMeasured(runtime.config),
        });
        const csv = renderActivityCsv(rows);
        if (!options.out) return void ctx.stdout.write(csv);
        await writeFile(options.out, csv, { mode: 0o640 });
        runtime.notice(`wrote ${rows.length} row(s) to ${options.out}`);
      });
    });
}
