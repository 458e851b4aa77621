/** One sandbox's usage over a period, as read from the database. */
export interface SandboxUsage {
  slug: string;
  /** `owner/name` of its configured repository; null when unknown. */
  repository: string | null;
  /** PR author, or `<surface>:<id>` of a manual sandbox's creator; null when unknown. */
  author: string | null;
  /** Seconds its appservers existed and were awake (from creation to termination or failure, minus sleep). */
  awakeSeconds: number;
  /** Seconds its appserver was asleep (`sleep_after`). */
  sleepingSeconds: number;
  /** Appservers that existed during the period. */
  appservers: number;
}

export type UsageGroup = 'repository' | 'author' | 'sandbox';

/** One line of the cost report: hours for one repository, author or sandbox. */
export interface UsageLine {
  key: string;
  appserverHours: number;
  sleepingHours: number;
  appservers: number;
}

export type UsageReport = Record<UsageGroup, UsageLine[]>;

const hours = (seconds: number) => Math.round((seconds / 3600) * 100) / 100;

/**
 * The cost report (pure): appserver-hours and sleeping hours per repository,
 * per author and per sandbox, most hours first (then by name). Unknown
 * repositories and authors show as `(none)`. Example: pr1 2h and pr2 1h of
 * acme/app → repository acme/app 3h, sandboxes pr1 2h, pr2 1h.
 */
export function summarizeUsage(usage: readonly SandboxUsage[]): UsageReport {
  const group = (keyOf: (u: SandboxUsage) => string): UsageLine[] => {
    const sums = new Map<string, { awake: number; sleeping: number; appservers: number }>();
    for (const u of usage) {
      const key = keyOf(u);
      const sum = sums.get(key) ?? { awake: 0, sleeping: 0, appservers: 0 };
      sum.awake += u.awakeSeconds;
      sum.sleeping += u.sleepingSeconds;
      sum.appservers += u.appservers;
      sums.set(key, sum);
    }
    return [...sums]
      .map(([key, sum]) => ({
        key,
        appserverHours: hours(sum.awake),
        sleepingHours: hours(sum.sleeping),
        appservers: sum.appservers,
      }))
      .sort((a, b) => b.appserverHours - a.appserverHours || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  };
  return {
    repository: group((u) => u.repository ?? '(none)'),
    author: group((u) => u.author ?? '(none)'),
    sandbox: group((u) => u.slug),
  };
}
