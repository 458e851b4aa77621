import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { SandboxError } from '../../core/errors';
import { dumpDatabase, findPgTool, liveWorkers, restoreDatabase, serverMajor } from '../../infra/db/backup';
import type { CliContext } from '../context';
import { withDatabase } from '../with-database';

/** `sbx backup [--out DIR]` and `sbx restore-backup FILE`: pg_dump / pg_restore of the bot's database (embedded or external). */
export function registerBackup(program: Command, ctx: CliContext): void {
  program
    .command('backup')
    .description(
      "write a consistent dump of the bot's database (sandboxes, logs, audit, queued jobs) to a file, mode 0600",
    )
    .option('--out <dir>', 'directory for the file', '.')
    .action(async (options: { out: string }) => {
      const dir = resolve(options.out);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `sandbox-bot-${new Date().toISOString().replace(/[:.]/g, '-')}.dump`);
      await withDatabase(ctx, async ({ pool, url }) => {
        const tool = await findPgTool('pg_dump', await serverMajor(pool), ctx.env);
        await dumpDatabase({ url, file, tool, env: ctx.env });
      });
      chmodSync(file, 0o600);
      ctx.stdout.write(`${file} (${statSync(file).size} bytes); restore with: sbx restore-backup ${file}\n`);
    });

  program
    .command('restore-backup <file>')
    .description("replace the bot's database with a backup (stop every sbx process first)")
    .option('--force', 'restore even though a worker seems to be running')
    .action(async (file: string, options: { force?: boolean }) => {
      const path = resolve(file);
      if (!existsSync(path)) throw new SandboxError('usage', `${path}: no such file`);
      await withDatabase(ctx, async ({ pool, url }) => {
        const running = await liveWorkers(pool);
        if (running.length && !options.force)
          throw new SandboxError(
            'conflict',
            `workers are running (${running.join(', ')}); stop every sbx process first, or add --force`,
          );
        const tool = await findPgTool('pg_restore', await serverMajor(pool), ctx.env);
        await restoreDatabase({ url, file: path, tool, env: ctx.env });
      });
      ctx.stdout.write(`restored ${path}; start the bot again (it migrates the database if the backup is older)\n`);
    });
}
