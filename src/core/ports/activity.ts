/** Requests counted for one sandbox on one UTC day (`YYYY-MM-DD`): how many, and by whom (hashed). */
export interface DailyActivity {
  instanceId: number;
  day: string;
  hits: number;
  /** HMACs of client addresses (never the addresses). */
  visitors: readonly string[];
}

/** Per-sandbox hit and visitor counts (adapter: src/infra/db/activity-records.ts). */
export interface ActivityRecords {
  /** Adds the hits and the visitors of each entry, in one statement per table. */
  record(batch: readonly DailyActivity[]): Promise<void>;
  /** Hits and distinct visitors per sandbox from `sinceDay` (inclusive) on. */
  totalsSince(sinceDay: string): Promise<Map<number, { hits: number; visitors: number }>>;
}
