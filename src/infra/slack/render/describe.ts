import { unfinishedStates, type AppserverState } from '../../../core/appserver-state';
import { isExpiryWarned } from '../../../core/expiry/expiry-policy';
import { statusOfInstance, type InstanceStatus } from '../../../core/instance-status';
import type { InstanceView } from '../../../core/instance-view';
import type { Appserver, Instance } from '../../../core/model';
import { link } from '../blocks';

export type { InstanceView } from '../../../core/instance-view';

const stateWords: Record<AppserverState, string> = {
  new: 'queued',
  waiting: 'waiting for a host',
  configuring: 'deploying',
  running: 'running',
  failed: 'failed',
  error: 'could not get a host',
  cancelled: 'cancelled',
  terminated: 'terminated',
};

const stateEmoji: Record<AppserverState, string> = {
  new: ':hourglass_flowing_sand:',
  waiting: ':hourglass_flowing_sand:',
  configuring: ':hammer_and_wrench:',
  running: ':large_green_circle:',
  failed: ':x:',
  error: ':x:',
  cancelled: ':no_entry_sign:',
  terminated: ':white_circle:',
};

export function appserverWords(appserver: Appserver): string {
  return stateWords[appserver.state];
}

export function appserverEmoji(appserver: Appserver): string {
  return stateEmoji[appserver.state];
}

export function shortSha(sha: string | null): string {
  return sha ? sha.slice(0, 7) : '';
}

/** `• #3 running, active · a1b2c3d` */
export function appserverLine(view: InstanceView, appserver: Appserver): string {
  const active = view.instance.activeAppserverId === appserver.id ? ', *active*' : '';
  const commit = appserver.commitSha ? ` · \`${shortSha(appserver.commitSha)}\`` : '';
  return `${appserverEmoji(appserver)} appserver ${appserver.number} ${appserverWords(appserver)}${active}${commit}`;
}

/**
 * One phrase for the whole instance. The status word comes from core
 * (`statusOfInstance`, the same word the CLI, the web and the filters use);
 * Slack adds which appserver it is about.
 */
export function instanceSummary(view: InstanceView): { emoji: string; words: string } {
  const { instance, appservers } = view;
  const latest = appservers.reduce<Appserver | null>(
    (newest, a) => (!newest || a.number > newest.number ? a : newest),
    null,
  );
  const active = appservers.find((a) => a.id === instance.activeAppserverId) ?? null;
  const status: InstanceStatus = statusOfInstance(instance, appservers);
  switch (status) {
    case 'deleted':
      return { emoji: ':wastebasket:', words: 'deleted' };
    case 'archived':
      return { emoji: ':file_cabinet:', words: 'archived' };
    case 'deploying': {
      const deploying =
        [...appservers].sort((a, b) => b.number - a.number).find((a) => unfinishedStates.includes(a.state)) ?? latest!;
      return {
        emoji: stateEmoji[deploying.state],
        words: `appserver ${deploying.number} ${stateWords[deploying.state]}`,
      };
    }
    case 'running': {
      const newerFailure =
        latest && latest.id !== active!.id && (latest.state === 'failed' || latest.state === 'error')
          ? ` (appserver ${latest.number} ${stateWords[latest.state]})`
          : '';
      return { emoji: ':large_green_circle:', words: `live on appserver ${active!.number}${newerFailure}` };
    }
    case 'sleeping':
      return {
        emoji: ':zzz:',
        words: `asleep on appserver ${active!.number} (no requests for a while); the next request wakes it`,
      };
    case 'down':
      return {
        emoji: ':red_circle:',
        words: `down: appserver ${active!.number} stopped answering its health check`,
      };
    case 'failed':
      return { emoji: ':x:', words: latest ? `appserver ${latest.number} ${stateWords[latest.state]}` : 'failed' };
    case 'cancelled':
      return { emoji: ':no_entry_sign:', words: `appserver ${latest!.number} cancelled` };
    case 'idle':
      if (latest?.state === 'running')
        return { emoji: ':large_yellow_circle:', words: `appserver ${latest.number} running, not active` };
      return { emoji: ':white_circle:', words: 'idle: nothing serves it' };
    case 'new':
      return { emoji: ':white_circle:', words: 'not deployed' };
  }
}

/** Links to every domain: `<http://demo.localhost:3000|demo.localhost>`. */
export function domainLinks(view: InstanceView): string {
  const domains = [view.instance.domain, ...view.instance.extraDomains];
  return domains.map((domain, i) => link(view.links.sandboxes[i] ?? `https://${domain}`, domain)).join(', ');
}

/** The newest running appserver that is not the active one (what an Activate button offers). */
export function activatable(view: InstanceView, among: readonly Appserver[] = view.appservers): Appserver | null {
  if (view.instance.archivedAt || view.instance.deletedAt) return null;
  const candidates = among.filter((a) => a.state === 'running' && a.id !== view.instance.activeAppserverId);
  return candidates.sort((a, b) => b.number - a.number)[0] ?? null;
}

/** The expiry or the pin in Slack's words; null when the sandbox never expires or is archived. */
export function expiryWords(instance: Instance): string | null {
  if (instance.archivedAt || instance.deletedAt) return null;
  if (instance.pinned) return ':pushpin: Pinned: never expires';
  if (!instance.expiresAt) return null;
  const at = `${instance.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  // Sleeping is not idling: the expiry moves on by the time slept when it wakes.
  if (instance.sleepingSince) return `Expiry paused while asleep (was ${at})`;
  if (isExpiryWarned(instance))
    return `:hourglass_flowing_sand: *Expires ${at}* unless there is activity; \`/sandbox extend ${instance.slug} 3d\` keeps it longer`;
  return `Expires ${at} without activity`;
}
