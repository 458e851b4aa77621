import type { Appserver } from '../model';
import type { ProvisioningDeps } from './deps';

/**
 * Which appservers to keep: the active one, the newest running candidate and
 * one fallback (the next newest running one). Everything else that is not
 * still deploying and is older than `minAgeMs` goes. Pure.
 */
export function chooseAppserversToTerminate(appservers: readonly Appserver[], activeId: number | null, now: Date, minAgeMs: number): Appserver[] {
  const keep = new Set<number>();
  if (activeId !== null) keep.add(activeId);
  const running = appservers.filter((a) => a.state === 'running' && a.id !== activeId).sort((a, b) => b.number - a.number);
  for (const candidate of running.slice(0, 2)) keep.add(candidate.id);
  return appservers.filter(
    (a) => !keep.has(a.id) && ['running', 'failed', 'error', 'cancelled'].includes(a.state) && now.getTime() - a.createdAt.getTime() >= minAgeMs,
  );
}

/** Applies retention to one instance. */
export async function retainAppservers(deps: ProvisioningDeps, instanceId: number): Promise<number> {
  const instance = await deps.store.getInstance(instanceId);
  if (!instance) return 0;
  const doomed = chooseAppserversToTerminate(await deps.store.listAppservers(instanceId), instance.activeAppserverId, deps.now(), deps.retentionMinAgeMs);
  for (const appserver of doomed) await deps.store.enqueue('terminate_appserver', { appserverId: appserver.id }, { instanceId });
  return doomed.length;
}
