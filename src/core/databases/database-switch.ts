import type { Appserver } from '../model';
import { appserverConfig } from '../provisioning/create-appserver';

type Mode = 'ephemeral' | 'persistent';

/** An appserver deployed with another database mode than the one before it (a settings change took effect). */
export interface DatabaseSwitch {
  number: number;
  from: Mode;
  to: Mode;
}

/**
 * Whether `appserver` switched between ephemeral and persistent databases:
 * its recorded mode differs from that of the appserver numbered just
 * before it. The first appserver never switched.
 */
export function databaseSwitchOf(appservers: readonly Appserver[], appserver: Appserver | null): DatabaseSwitch | null {
  if (!appserver) return null;
  const previous = appservers
    .filter((a) => a.number < appserver.number)
    .reduce<Appserver | null>((found, a) => (!found || a.number > found.number ? a : found), null);
  if (!previous) return null;
  // The mode is read from each appserver's recorded config (jsonb): a row without one never counts as a switch.
  const from = modeOf(previous);
  const to = modeOf(appserver);
  return from && to && from !== to ? { number: appserver.number, from, to } : null;
}

function modeOf(appserver: Appserver): Mode | null {
  const config = appserverConfig(appserver) as Partial<ReturnType<typeof appserverConfig>> | null;
  return config?.databaseMode ?? null;
}

/** The words every surface uses for a switch (the PR comment, Slack): what happened to the data. */
export function describeDatabaseSwitch(change: DatabaseSwitch): string {
  return change.to === 'persistent'
    ? `appserver ${change.number} switched from ephemeral to persistent databases: they are created empty on first use, and the throwaway data of earlier appservers is not copied`
    : `appserver ${change.number} switched from persistent to ephemeral databases: it uses throwaway ones, and the persistent databases are kept (only delete drops them)`;
}
