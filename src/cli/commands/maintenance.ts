import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { MaintenanceState } from '../../core/maintenance';
import { readMaintenance, setMaintenance } from '../../infra/db/maintenance-flag';
import { createSandboxStore } from '../../infra/db/sandbox-store';
import type { CliContext } from '../context';
import { writeJson } from '../runtime';
import { withDatabase } from '../with-database';

/** `sbx maintenance on [--message TEXT] | off | status`: one switch in the database, seen by every process within a second. */
export function registerMaintenance(program: Command, ctx: CliContext): void {
  const maintenance = program
    .command('maintenance')
    .description('stop workers taking jobs while the bot is maintained (web, webhooks and Slack stay up)');
  const actor = () => ctx.env.SBX_ACTOR ?? userInfo().username;

  const toggle = async (on: boolean, message: string | null) => {
    const state = await withDatabase(ctx, async ({ db }) => {
      const next = await setMaintenance(db, { on, message, by: actor() });
      await createSandboxStore(db).recordAudit({
        actor: actor(),
        surface: 'cli',
        action: on ? 'maintenance_on' : 'maintenance_off',
        instanceId: null,
        instanceSlug: null,
        result: 'ok',
        detail: { message },
      });
      return next;
    });
    ctx.stdout.write(`${describe(state)}\n`);
  };

  maintenance
    .command('on')
    .description('workers finish running jobs and take no new ones; deliveries and commands are recorded and queued')
    .option('--message <text>', 'what people are told ("in maintenance: <text>, queued")')
    .action(async (options: { message?: string }) => toggle(true, options.message?.trim() || null));

  maintenance
    .command('off')
    .description('workers take jobs again; deploys still running on hosts are followed again')
    .action(async () => toggle(false, null));

  maintenance
    .command('status')
    .option('--json', 'print one JSON object')
    .action(async (options: { json?: boolean }) => {
      const state = await withDatabase(ctx, ({ db }) => readMaintenance(db));
      if (options.json)
        return writeJson(ctx, {
          on: state.on,
          message: state.message,
          since: state.since?.toISOString() ?? null,
          by: state.by,
        });
      ctx.stdout.write(`${describe(state)}\n`);
    });
}

function describe(state: MaintenanceState): string {
  const since = state.since ? ` since ${state.since.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
  const by = state.by ? ` (by ${state.by})` : '';
  if (!state.on) return `maintenance mode is off${state.since ? `${since}${by}` : ''}`;
  return `maintenance mode is on${since}${by}${state.message ? `: ${state.message}` : ''}`;
}
