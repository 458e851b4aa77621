import type { Instance } from '../model';
import { pause } from '../pause';
import type { JobQueue } from '../ports/store';
import { appserverConfig } from '../provisioning/create-appserver';
import type { ProvisioningDeps } from '../provisioning/deps';
import { checkHealth } from '../provisioning/follow-appserver';
import { resumeRuntimeLog } from '../provisioning/follow-runtime-log';
import { reportChange } from '../provisioning/report-change';
import { applyActiveRoute } from '../provisioning/settle-route';
import { runnerName } from '../provisioning/work-files';

/** Queues the wake of a sleeping sandbox on its own queue; a burst of requests coalesces into one job. */
export async function requestWake(queue: JobQueue, instanceId: number): Promise<void> {
  await queue.enqueue('wake_sandbox', { instanceId }, { instanceId, jobKey: `wake:${instanceId}` });
}

export type WakeOutcome = 'awake' | 'failed' | 'not_sleeping';

/**
 * Wakes a sleeping sandbox: runs its active appserver's start phase again
 * (detached, as a deploy does) and health-checks it, at most the recipe's
 * `health_timeout`. Once it answers the sandbox is awake again and the time
 * it slept is added to its last activity and expiry, so sleeping never
 * counts as idle for its TTL. A service that does not come back fails the
 * appserver with the reason (the sandbox then shows `failed`). Behind nginx
 * or HAProxy the sandbox's route then goes back from the bot to the appserver.
 */
export async function wakeSandbox(
  deps: ProvisioningDeps,
  instanceId: number,
  signal?: AbortSignal,
): Promise<WakeOutcome> {
  const instance = await deps.store.getInstance(instanceId);
  if (!instance?.sleepingSince || instance.activeAppserverId === null) return 'not_sleeping';
  const appserver = await deps.store.getAppserver(instance.activeAppserverId);
  const host = appserver?.hostId ? await deps.store.getHost(appserver.hostId) : null;
  if (!appserver || appserver.state !== 'running' || !host || !appserver.workDir || appserver.port === null) {
    // Nothing to start any more (terminated, failed meanwhile): it is simply not asleep.
    await settle(deps, instance, { kind: 'gone' });
    return 'not_sleeping';
  }
  const transport = deps.hosts.transportFor(host);
  const started = await transport.exec(['setsid', '--fork', 'bash', `${appserver.workDir}/${runnerName}`, 'start'], {
    cwd: appserver.workDir,
    timeoutMs: 30_000,
  });
  const config = appserverConfig(appserver);
  let failure: string | null =
    started.code === 0 ? null : `starting the service on ${host.name} failed: ${started.stderr.trim().slice(-500)}`;
  // Bounded by count, not by a clock: health_timeout worth of polls.
  const polls = Math.max(1, Math.ceil(config.healthTimeoutMs / deps.followIntervalMs));
  for (let poll = 0; failure === null; poll += 1) {
    const health = await checkHealth(deps, config, host.address, appserver.port).result;
    if (health.ok) break;
    const exited = await transport.readFile(`${appserver.workDir}/service.exit`);
    if (exited !== null) failure = `the service exited with status ${exited.toString().trim()} while waking up`;
    else if (poll + 1 >= polls || signal?.aborted)
      failure = `health check ${health.what} did not answer within ${Math.round(config.healthTimeoutMs / 1000)}s of waking up (last: ${health.detail})`;
    else await pause(deps.followIntervalMs, signal);
  }
  await settle(
    deps,
    instance,
    failure === null ? { kind: 'awake' } : { kind: 'failed', appserverId: appserver.id, reason: failure },
  );
  // nginx/HAProxy: the route goes back to the appserver (until then the bot proxies to it, the sandbox being awake).
  if (failure === null && deps.lb.kind !== 'builtin') await applyActiveRoute(deps, appserver.id);
  return failure === null ? 'awake' : 'failed';
}

type Ending = { kind: 'awake' } | { kind: 'gone' } | { kind: 'failed'; appserverId: number; reason: string };

/** Awake again, failed, or nothing left to wake: the sleep is over either way; what slept is added to the TTL clock. */
async function settle(deps: ProvisioningDeps, instance: Instance, ending: Ending): Promise<void> {
  const now = deps.now();
  await deps.store.transaction(async (store) => {
    await store.lockInstance(instance.id);
    const current = await store.getInstance(instance.id);
    if (!current?.sleepingSince) return;
    const sleptMs = Math.max(0, now.getTime() - current.sleepingSince.getTime());
    const later = (date: Date) => new Date(date.getTime() + sleptMs);
    await store.updateInstance(current.id, {
      sleepingSince: null,
      lastRequestAt: now,
      lastActivityAt: later(current.lastActivityAt),
      expiresAt: current.expiresAt ? later(current.expiresAt) : null,
    });
    // Its runtime log was not polled while it slept: the follow starts again with the service.
    if (ending.kind === 'awake' && current.activeAppserverId !== null && deps.runtimeLogs && deps.runtimeLogIntervalMs)
      await resumeRuntimeLog(
        store,
        { now: deps.now, runtimeLogIntervalMs: deps.runtimeLogIntervalMs },
        current.activeAppserverId,
      );
    if (ending.kind === 'failed')
      await store.transitionAppserver(ending.appserverId, 'running', 'failed', {
        failureReason: ending.reason,
        finishedAt: now,
      });
    await store.recordAudit({
      actor: 'wake',
      surface: 'system',
      action: 'wake',
      result: ending.kind === 'failed' ? 'error' : 'ok',
      instanceId: current.id,
      instanceSlug: current.slug,
      detail: {
        sleptMs,
        ...(ending.kind === 'failed' ? { reason: ending.reason } : {}),
        ...(ending.kind === 'gone' ? { note: 'its appserver no longer runs' } : {}),
      },
    });
    if (ending.kind === 'awake') await store.countCleanup('woken');
    await reportChange(store, current.id, now);
  });
}
