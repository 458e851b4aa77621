import type { Appserver, Instance } from '../model';

/** Which sandboxes sleep, from sandbox.yml (built by src/infra/sleep-policy.ts). */
export interface SleepPolicy {
  /** How long without requests before the sandbox's appserver is stopped; null: it never sleeps. */
  sleepAfterOf(instance: Instance): number | null;
}

/** The user agent of the bot's own uptime probes: the load balancer does not count them as requests. */
export const uptimeProbeAgent = 'sandbox-bot-uptime';

/**
 * Since when the sandbox has been left alone (pure): the latest of its last
 * request, its last activity (push, command) and the activation of the
 * appserver that serves it. A fresh deploy is never put to sleep before
 * anyone had `sleep_after` to visit it.
 */
export function idleSince(
  instance: Pick<Instance, 'lastRequestAt' | 'lastActivityAt'>,
  active: Pick<Appserver, 'activatedAt' | 'readyAt'>,
): Date {
  const times = [instance.lastRequestAt, instance.lastActivityAt, active.activatedAt, active.readyAt];
  return new Date(Math.max(...times.map((time) => time?.getTime() ?? 0)));
}

/**
 * Whether to put the sandbox to sleep now (pure): it has a `sleep_after`, is
 * live, awake, not production, served by a running appserver with no newer
 * deploy under way, and nothing happened for `sleep_after`.
 * Example: sleep_after 2h, last request 09:00, now 11:05 → true.
 */
export function shouldSleep(
  instance: Instance,
  active: Appserver | null,
  sleepAfterMs: number | null,
  now: Date,
  deploying: boolean,
): boolean {
  if (sleepAfterMs === null || !active || active.state !== 'running' || deploying) return false;
  if (instance.archivedAt || instance.deletedAt || instance.sleepingSince || instance.production) return false;
  if (instance.activeAppserverId !== active.id) return false;
  return now.getTime() - idleSince(instance, active).getTime() >= sleepAfterMs;
}
