import type { Command } from 'commander';
import { migrateDatabase, migrationsCurrent } from '../../infra/db/migrate';
import type { CliContext } from '../context';
import { withDatabase } from '../with-database';

export function registerMigrate(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('apply database migrations (also done at every start); running twice is a no-op')
    .action(async () => {
      await withDatabase(ctx, async ({ db, pool }) => {
        const before = await migrationsCurrent(pool);
        await migrateDatabase(db, pool);
        const after = await migrationsCurrent(pool);
        ctx.stdout.write(
          `migrations: ${after.applied}/${after.expected} applied (${after.applied - before.applied} new)\n`,
        );
      });
    });
}
