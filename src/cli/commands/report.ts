import type { Command } from 'commander';
import { parseDuration } from '../../core/duration';
import { SandboxError } from '../../core/errors';
import { summarizeUsage, type UsageGroup, type UsageReport } from '../../core/usage/summarize-usage';
import { queryUsage } from '../../infra/db/usage-report';
import type { CliContext } from '../context';
import { table } from '../present';
import { writeJson } from '../runtime';
import { withDatabase } from '../with-database';

const groups: UsageGroup[] = ['repository', 'author', 'sandbox'];

/** `sbx report usage`: the cost report (appserver-hours and sleeping hours per repository, author and sandbox). */
export function registerReport(program: Command, ctx: CliContext): void {
  const report = program.command('report').description('reports over the recorded history');
  report
    .command('usage')
    .description(
      'appserver-hours per repository, per author and per sandbox over a period, sleeping hours separately (from the sleep and wake audit events)',
    )
    .option('--since <duration>', 'the period, counted back from now, e.g. 7d or 12h', '30d')
    .option('--json', 'print one JSON object')
    .option('--csv', 'print CSV: group,key,appserver_hours,sleeping_hours,appservers')
    .action(async (options: { since: string; json?: boolean; csv?: boolean }) => {
      if (options.json && options.csv) throw new SandboxError('usage', 'choose one of --json and --csv');
      let sinceMs: number;
      try {
        sinceMs = parseDuration(options.since);
      } catch {
        throw new SandboxError('usage', `--since "${options.since}": expected a duration such as 12h, 7d or 30d`);
      }
      const until = new Date();
      const since = new Date(until.getTime() - sinceMs);
      const usage = summarizeUsage(await withDatabase(ctx, ({ pool }) => queryUsage(pool, { since, until })));
      if (options.json) return writeJson(ctx, { since: since.toISOString(), until: until.toISOString(), ...usage });
      if (options.csv) return void ctx.stdout.write(usageCsv(usage));
      ctx.stdout.write(`usage from ${utc(since)} to ${utc(until)} UTC\n`);
      for (const group of groups) {
        ctx.stdout.write(`\n${group === 'sandbox' ? 'per sandbox' : `per ${group}`}\n`);
        if (usage[group].length === 0) {
          ctx.stdout.write('no appservers in this period\n');
          continue;
        }
        ctx.stdout.write(
          table([
            [group.toUpperCase(), 'APPSERVER HOURS (AWAKE)', 'SLEEPING HOURS', 'APPSERVERS'],
            ...usage[group].map((line) => [
              line.key,
              line.appserverHours.toFixed(2),
              line.sleepingHours.toFixed(2),
              String(line.appservers),
            ]),
          ]),
        );
      }
    });
}

/** The report as CSV, one line per group and key (keys are quoted when they hold a comma or a quote). */
export function usageCsv(usage: UsageReport): string {
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const lines = ['group,key,appserver_hours,sleeping_hours,appservers'];
  for (const group of groups)
    for (const line of usage[group])
      lines.push(
        [group, quote(line.key), line.appserverHours.toFixed(2), line.sleepingHours.toFixed(2), line.appservers].join(
          ',',
        ),
      );
  return `${lines.join('\n')}\n`;
}

const utc = (date: Date) => date.toISOString().slice(0, 16).replace('T', ' ');
