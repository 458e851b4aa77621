import type { Appserver } from '../model';
import type { ProvisioningDeps } from './deps';

/** The states retention may end; unfinished deploys are never touched. */
const retainableStates = ['running', 'failed', 'error', 'cancelled'] as const;

/**
 * Which appservers to keep: the active one, the newest running candidate and
 * one fallback (the next newest running one). Everything else that is not
 * still deploying goes once older than `minAgeMs`; failed and errored ones
 * once `failedMinAgeMs` passed since they failed. With `maxRunning`, the
 * running ones past that many (the active one first, then newest first) go
 * at once. Pure. Example: active 5, running 4, 3 and 2, all two hours old,
 * min age 1h → 2 goes; with maxRunning 2 and all ten minutes old → 3 and 2 go.
 */
export function chooseAppserversToTerminate(
  appservers: readonly Appserver[],
  activeId: number | null,
  now: Date,
  minAgeMs: number,
  failedMinAgeMs = minAgeMs,
  maxRunning: number | null = null,
): Appserver[] {
  const keep = new Set<number>();
  if (activeId !== null) keep.add(activeId);
  const running = appservers
    .filter((a) => a.state === 'running' && a.id !== activeId)
    .sort((a, b) => b.number - a.number);
  for (const candidate of running.slice(0, 2)) keep.add(candidate.id);
  // Over `maxRunning` (the active one counted first), the oldest running ones go at once, whatever their age.
  const overLimit = new Set<number>();
  if (maxRunning !== null) {
    const slots = Math.max(
      0,
      maxRunning - (activeId !== null && appservers.some((a) => a.id === activeId && a.state === 'running') ? 1 : 0),
    );
    for (const extra of running.slice(slots)) overLimit.add(extra.id);
  }
  return appservers.filter((a) => {
    if (overLimit.has(a.id)) return true;
    if (keep.has(a.id) || !(retainableStates as readonly string[]).includes(a.state)) return false;
    const failed = a.state === 'failed' || a.state === 'error';
    const since = failed ? (a.finishedAt ?? a.createdAt) : a.createdAt;
    return now.getTime() - since.getTime() >= (failed ? failedMinAgeMs : minAgeMs);
  });
}

/** Applies retention to one instance; returns how many appservers it sent to termination. */
export async function retainAppservers(deps: ProvisioningDeps, instanceId: number): Promise<number> {
  const instance = await deps.store.getInstance(instanceId);
  if (!instance) return 0;
  const doomed = chooseAppserversToTerminate(
    await deps.store.listAppservers(instanceId),
    instance.activeAppserverId,
    deps.now(),
    deps.retentionMinAgeMs,
    deps.retentionFailedMinAgeMs,
    deps.appserverLimitOf?.(instance) ?? null,
  );
  // Keyed per appserver: a sweep that comes round again while one is still queued adds nothing.
  for (const appserver of doomed)
    await deps.store.enqueue(
      'terminate_appserver',
      { appserverId: appserver.id },
      { instanceId, jobKey: `terminate:${appserver.id}` },
    );
  return doomed.length;
}

/**
 * The periodic retention sweep: retention for every sandbox that has an
 * appserver retention may end, so an appserver too young at activation time
 * is terminated later, and failed ones after `retention.failed_min_age`.
 */
export async function sweepRetention(deps: ProvisioningDeps): Promise<number> {
  const live = await deps.store.listAppserversInStates(retainableStates);
  let terminated = 0;
  for (const instanceId of new Set(live.map((a) => a.instanceId)))
    terminated += await retainAppservers(deps, instanceId);
  return terminated;
}
