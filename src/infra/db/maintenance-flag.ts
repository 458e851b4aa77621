import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { systemFlags } from '../../../drizzle/schema';
import { maintenanceOff, type MaintenancePort, type MaintenanceState } from '../../core/maintenance';
import type { Db } from './database';

const key = 'maintenance';
const stored = z.object({
  on: z.boolean(),
  message: z.string().nullable().default(null),
  by: z.string().nullable().default(null),
});

/** Maintenance mode as stored in `system_flags` (key `maintenance`); off when no row exists. */
export async function readMaintenance(db: Db): Promise<MaintenanceState> {
  const [row] = await db
    .select({ value: systemFlags.value, updatedAt: systemFlags.updatedAt })
    .from(systemFlags)
    .where(eq(systemFlags.key, key));
  if (!row) return maintenanceOff;
  const parsed = stored.safeParse(row.value);
  if (!parsed.success) return maintenanceOff;
  return { ...parsed.data, since: row.updatedAt };
}

/** Switches maintenance mode for every process (each sees it within a second). */
export async function setMaintenance(
  db: Db,
  state: { on: boolean; message: string | null; by: string },
): Promise<MaintenanceState> {
  const value = { on: state.on, message: state.on ? state.message : null, by: state.by };
  await db
    .insert(systemFlags)
    .values({ key, value })
    .onConflictDoUpdate({ target: systemFlags.key, set: { value, updatedAt: sql`now()` } });
  return readMaintenance(db);
}

/**
 * `worker.maintenance: true` is the boot-time default: it turns maintenance
 * on only when the database holds no state yet, so a process restarted with
 * the setting never undoes an operator's `sbx maintenance off`.
 */
export async function applyMaintenanceDefault(db: Db, on: boolean): Promise<void> {
  if (!on) return;
  await db
    .insert(systemFlags)
    .values({ key, value: { on: true, message: null, by: 'config (worker.maintenance)' } })
    .onConflictDoNothing();
}

/** A reader that asks the database at most every `maxAgeMs` (500 ms: every process sees a switch within a second). */
export function createMaintenanceReader(db: Db, maxAgeMs = 500): MaintenancePort {
  let cached: { state: MaintenanceState; at: number } | null = null;
  let pending: Promise<MaintenanceState> | null = null;
  return {
    async current() {
      if (cached && Date.now() - cached.at < maxAgeMs) return cached.state;
      pending ??= readMaintenance(db)
        .then((state) => {
          cached = { state, at: Date.now() };
          return state;
        })
        .finally(() => (pending = null));
      return pending;
    },
  };
}
