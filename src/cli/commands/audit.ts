import type { Command } from 'commander';
import { parseDuration } from '../../core/duration';
import { SandboxError } from '../../core/errors';
import { queryAuditLog } from '../../infra/db/audit-log';
import type { CliContext } from '../context';
import { table } from '../present';
import { writeJson } from '../runtime';
import { withDatabase } from '../with-database';

/** `sbx audit`: who did what, where, to which sandbox, and how it ended. */
export function registerAudit(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description(
      'the audit log, newest first: who, surface, what, sandbox, result and the final outcome of queued work',
    )
    .option('--instance <slug>', 'one sandbox')
    .option('--actor <who>', 'one person (GitHub login, Slack user id, OS user)')
    .option('--surface <surface>', 'github, slack, web, cli or system')
    .option('--since <duration>', 'only events this recent, e.g. 7d or 12h')
    .option('--limit <n>', 'at most this many events', '200')
    .option('--json', 'print one JSON object')
    .action(
      async (options: {
        instance?: string;
        actor?: string;
        surface?: string;
        since?: string;
        limit: string;
        json?: boolean;
      }) => {
        let since: Date | null = null;
        if (options.since) {
          try {
            since = new Date(Date.now() - parseDuration(options.since));
          } catch {
            throw new SandboxError('usage', `--since "${options.since}": expected a duration such as 30m, 12h or 7d`);
          }
        }
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
          throw new SandboxError('usage', `--limit "${options.limit}": expected a whole number from 1 to 10000`);
        const entries = await withDatabase(ctx, ({ pool }) =>
          queryAuditLog(pool, {
            instance: options.instance?.toLowerCase(),
            actor: options.actor,
            surface: options.surface,
            since,
            limit,
          }),
        );
        if (options.json) return writeJson(ctx, { events: entries.map((e) => ({ ...e, at: e.at.toISOString() })) });
        if (entries.length === 0) return void ctx.stdout.write('no audit events match\n');
        ctx.stdout.write(
          table([
            ['AT (UTC)', 'ACTOR', 'SURFACE', 'ACTION', 'SANDBOX', 'RESULT', 'OUTCOME'],
            ...entries.map((e) => [
              e.at.toISOString().slice(0, 19).replace('T', ' '),
              e.actor,
              e.surface,
              e.action,
              e.instance ?? '-',
              e.result,
              e.outcome ? `${e.outcome}${e.jobId ? ` (job ${e.jobId})` : ''}` : '-',
            ]),
          ]),
        );
      },
    );
}
