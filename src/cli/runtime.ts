import { userInfo } from 'node:os';
import { createCommandDeps } from '../app/command-deps';
import { createProvisioning, type Provisioning } from '../app/provisioning';
import type { Config } from '../config/schema';
import type { CommandDeps } from '../core/commands/runners';
import type { Actor } from '../core/model';
import type { Database } from '../infra/db/database';
import { migrationsCurrent } from '../infra/db/migrate';
import { workerAlive } from '../infra/db/worker-heartbeats';
import { createLogger } from '../infra/logger';
import type { CliContext } from './context';
import { withDatabase } from './with-database';

export interface CliRuntime {
  config: Config;
  database: Database;
  provisioning: Provisioning;
  /** What the command runners work with (the same for every surface). */
  commands: CommandDeps;
  actor: Actor;
  /** A line for the person at the terminal (stderr, so `--json` output stays one object). */
  notice(text: string): void;
}

/** Database, provisioning adapters and the CLI actor (the OS user) for one command. */
export async function withRuntime<T>(ctx: CliContext, work: (runtime: CliRuntime) => Promise<T>): Promise<T> {
  const config = ctx.config();
  return withDatabase(ctx, async (database) => {
    const migrations = await migrationsCurrent(database.pool);
    if (!migrations.current)
      throw new Error(
        `the database is not migrated (${migrations.applied}/${migrations.expected}); run \`npx sbx migrate\` or start the bot once`,
      );
    const logger = createLogger({ level: 'warn', format: 'json' });
    const provisioning = await createProvisioning({ config, db: database.db, logger, env: ctx.env });
    try {
      // The CLI reaches the hosts itself (recipe tasks run there and are waited for).
      const commands = {
        ...createCommandDeps({ config, db: database.db, store: provisioning.store, now: provisioning.now }),
        hosts: provisioning.hosts,
      };
      return await work({
        config,
        database,
        provisioning,
        commands,
        actor: { surface: 'cli', id: ctx.env.SBX_ACTOR ?? userInfo().username },
        notice: (text) => ctx.stderr.write(`${text}\n`),
      });
    } finally {
      await provisioning.close();
    }
  });
}

/** Warns when no worker process is alive: jobs would wait until one starts. */
export async function warnWithoutWorker(ctx: CliContext, database: Database): Promise<boolean> {
  if (await workerAlive(database.pool)) return true;
  ctx.stderr.write(
    'note: no worker is running; the work is queued and starts when the bot runs (npm start, or `sbx worker`)\n',
  );
  return false;
}

export function writeJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value)}\n`);
}
