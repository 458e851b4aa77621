/** Maintenance mode as every process sees it (stored once, in the database). */
export interface MaintenanceState {
  on: boolean;
  /** What people are told ("in maintenance: <message>, queued"); null for the default words. */
  message: string | null;
  /** When it was last switched, and by whom (an operator's name or `config`). */
  since: Date | null;
  by: string | null;
}

/** Reads maintenance mode (adapters cache it for at most a second). */
export interface MaintenancePort {
  current(): Promise<MaintenanceState>;
}

export const maintenanceOff: MaintenanceState = { on: false, message: null, since: null, by: null };

/** The words every surface uses for work accepted during maintenance: `in maintenance: <message>, queued`. */
export function maintenanceQueuedText(message: string | null): string {
  return `in maintenance: ${message ?? 'the bot is being maintained'}, queued`;
}
