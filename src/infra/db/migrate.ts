import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Logger as GraphileLogger, runMigrations } from 'graphile-worker';
import type pg from 'pg';
import { projectRoot } from '../project-root';
import type { Db } from './database';

export const migrationsFolder = (): string => join(projectRoot(), 'drizzle', 'migrations');

/** Applies the drizzle migrations and Graphile Worker's own; running twice is a no-op. */
export async function migrateDatabase(db: Db, pool: pg.Pool): Promise<void> {
  await migrate(db, { migrationsFolder: migrationsFolder() });
  await runMigrations({ pgPool: pool, logger: quietLogger });
}

/** Whether every migration in drizzle/migrations has been applied to this database. */
export async function migrationsCurrent(
  pool: pg.Pool,
): Promise<{ current: boolean; applied: number; expected: number }> {
  const journal = JSON.parse(readFileSync(join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as {
    entries: { when: number }[];
  };
  const expected = journal.entries.length;
  const latest = Math.max(0, ...journal.entries.map((entry) => entry.when));
  try {
    const result = await pool.query<{ count: string; latest: string | null }>(
      'select count(*)::text as count, max(created_at)::text as latest from drizzle.__drizzle_migrations',
    );
    const row = result.rows[0];
    const applied = Number(row?.count ?? 0);
    return { current: Number(row?.latest ?? 0) >= latest && applied >= expected, applied, expected };
  } catch {
    return { current: false, applied: 0, expected };
  }
}

const quietLogger = new GraphileLogger(() => () => undefined);
