import { unfinishedStates } from '../appserver-state';
import type { Appserver } from '../model';
import type { Store } from '../ports/store';
import { applyActiveRoute } from '../provisioning/settle-route';
import type { ProvisioningDeps } from '../provisioning/deps';
import { reportChange } from '../provisioning/report-change';
import { stopService } from '../provisioning/stop-appserver';
import { idleSince, shouldSleep, type SleepPolicy } from './sleep-policy';

/**
 * Finds the sandboxes left alone for their `sleep_after` and queues their
 * sleep, each on its sandbox's own queue (so a wake asked for meanwhile runs
 * after it, never during it). Returns the slugs queued.
 */
export async function sweepSleep(deps: ProvisioningDeps, policy: SleepPolicy): Promise<string[]> {
  const queued: string[] = [];
  const now = deps.now();
  for (const instance of await deps.store.listInstances()) {
    const after = policy.sleepAfterOf(instance);
    if (after === null || instance.sleepingSince || instance.activeAppserverId === null) continue;
    const appservers = await deps.store.listAppservers(instance.id);
    const active = appservers.find((a) => a.id === instance.activeAppserverId) ?? null;
    const deploying = appservers.some((a) => unfinishedStates.includes(a.state));
    if (!shouldSleep(instance, active, after, now, deploying)) continue;
    await deps.store.enqueue(
      'sleep_sandbox',
      { instanceId: instance.id },
      { instanceId: instance.id, jobKey: `sleep:${instance.id}` },
    );
    queued.push(instance.slug);
  }
  return queued;
}

/**
 * Puts one sandbox to sleep: decided again under its row lock from its
 * current row (a request or a deploy may have come since the sweep), marked
 * `sleeping` (the load balancer shows the waking page from then on), then
 * the recipe's stop phase runs and the service's process group is ended.
 * The appserver stays `running` and keeps its host slot and port.
 *
 * Behind nginx or HAProxy the sandbox's route goes to the bot's waking page
 * first (the bot proxies to the appserver until the sandbox is marked
 * asleep), so no request ever reaches a stopped appserver; when the sandbox
 * turns out not to sleep after all, its route goes back to the appserver.
 */
export async function sleepSandbox(deps: ProvisioningDeps, policy: SleepPolicy, instanceId: number): Promise<boolean> {
  const now = deps.now();
  /** The appserver to stop when the sandbox should sleep now, else null. */
  const decide = async (store: Store): Promise<Appserver | null> => {
    const instance = await store.getInstance(instanceId);
    if (!instance || instance.activeAppserverId === null) return null;
    const appservers = await store.listAppservers(instance.id);
    const appserver = appservers.find((a) => a.id === instance.activeAppserverId) ?? null;
    const deploying = appservers.some((a) => unfinishedStates.includes(a.state));
    return shouldSleep(instance, appserver, policy.sleepAfterOf(instance), now, deploying) ? appserver : null;
  };
  const routed = deps.lb.kind === 'builtin' ? null : await decide(deps.store);
  if (deps.lb.kind !== 'builtin') {
    if (!routed) return false;
    await applyActiveRoute(deps, routed.id, true);
  }
  const active = await deps.store.transaction(async (store) => {
    await store.lockInstance(instanceId);
    const appserver = await decide(store);
    const instance = await store.getInstance(instanceId);
    // Behind nginx/HAProxy only the appserver whose route now goes to the bot may stop.
    if (!appserver || !instance || (routed && appserver.id !== routed.id)) return null;
    await store.updateInstance(instance.id, { sleepingSince: now, probeFailures: 0, downSince: null });
    await store.recordAudit({
      actor: 'sleep',
      surface: 'system',
      action: 'sleep',
      result: 'ok',
      instanceId: instance.id,
      instanceSlug: instance.slug,
      detail: { appserver: appserver.number, idleSince: idleSince(instance, appserver).toISOString() },
    });
    await store.countCleanup('slept');
    await reportChange(store, instance.id, now);
    return appserver;
  });
  if (!active) {
    if (routed) await applyActiveRoute(deps, routed.id);
    return false;
  }
  await stopService(deps, active);
  deps.logger.info({ instanceId, appserver: active.id }, 'sandbox put to sleep');
  return true;
}
