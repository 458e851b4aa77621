import type { ActivityRecords } from '../ports/activity';
import type { Store } from '../ports/store';
import { readTogether } from '../read-together';

/** How far back the report counts (the predecessor's window). */
export const activityWindowDays = 30;

/** What cannot be measured says so, never a guess. */
export const notMeasured = 'N/A';

/** One active appserver in the activity report. */
export interface ActivityRow {
  host: string;
  domain: string;
  name: string;
  appserver: number;
  contactEmail: string;
  hits: number | null;
  uniqueVisitors: number | null;
  ageDays: number;
}

export const activityColumns = [
  'host',
  'domain',
  'name',
  'appserver',
  'contact_email',
  `hits_${activityWindowDays}d`,
  `unique_visitors_${activityWindowDays}d`,
  'age_days',
] as const;

/**
 * One row per sandbox with an active appserver (archived ones have none), in
 * slug order. Hits and visitors are the load balancer's counts (the builtin
 * proxy's, or nginx/HAProxy's request log) over the last 30 UTC days (today
 * included); where nothing reports them (`hitsMeasured: false`) they say N/A. The contact email is
 * the sandbox's `contact_email` field, N/A without one.
 */
export async function loadActivityReport(deps: {
  store: Store;
  activity: ActivityRecords;
  now: () => Date;
  hitsMeasured: boolean;
}): Promise<ActivityRow[]> {
  const now = deps.now();
  const since = new Date(now.getTime() - (activityWindowDays - 1) * 86_400_000).toISOString().slice(0, 10);
  const [instances, hosts, totals] = await readTogether(deps.store, [
    () => deps.store.listInstances(),
    () => deps.store.listHosts(),
    () => (deps.hitsMeasured ? deps.activity.totalsSince(since) : Promise.resolve(new Map())),
  ]);
  const hostNames = new Map(hosts.map((host) => [host.id, host.name]));
  const rows: ActivityRow[] = [];
  for (const instance of [...instances].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0))) {
    if (instance.activeAppserverId === null || instance.archivedAt || instance.deletedAt) continue;
    const appserver = await deps.store.getAppserver(instance.activeAppserverId);
    if (!appserver) continue;
    const counted = totals.get(instance.id) as { hits: number; visitors: number } | undefined;
    const email = instance.fields.contact_email;
    rows.push({
      host: appserver.hostId === null ? notMeasured : (hostNames.get(appserver.hostId) ?? notMeasured),
      domain: instance.domain,
      name: instance.slug,
      appserver: appserver.number,
      contactEmail: typeof email === 'string' && email ? email : notMeasured,
      hits: deps.hitsMeasured ? (counted?.hits ?? 0) : null,
      uniqueVisitors: deps.hitsMeasured ? (counted?.visitors ?? 0) : null,
      ageDays: Math.floor((now.getTime() - instance.createdAt.getTime()) / 86_400_000),
    });
  }
  return rows;
}

/** The report as CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break). */
export function renderActivityCsv(rows: readonly ActivityRow[]): string {
  const field = (value: string | number | null) => {
    const text = value === null ? notMeasured : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [
    activityColumns.join(','),
    ...rows.map((row) =>
      [row.host, row.domain, row.name, row.appserver, row.contactEmail, row.hits, row.uniqueVisitors, row.ageDays]
        .map(field)
        .join(','),
    ),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
