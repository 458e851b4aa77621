import type { Instance } from '../model';
import type { CoreLogger, HealthProbe } from '../ports/other-ports';
import type { Store } from '../ports/store';
import { appserverConfig } from '../provisioning/create-appserver';
import { reportChange } from '../provisioning/report-change';
import { uptimeProbeAgent } from '../sleep/sleep-policy';

export interface UptimeDeps {
  store: Store;
  probe: HealthProbe;
  logger: CoreLogger;
  now(): Date;
  /** The load balancer, `http://host:port`; each probe sends the sandbox's domain as its Host header. */
  baseUrl: string;
  /** Failed probes in a row before the sandbox is down. */
  failuresToDown: number;
  timeoutMs: number;
  /** The worker is stopping: probes in flight end at once and count for nothing; no new one starts. */
  signal?: AbortSignal;
}

export interface UptimeSweep {
  probed: string[];
  /** Went down on this sweep (reported once). */
  down: string[];
  /** Came back on this sweep (reported once). */
  up: string[];
}

/** Probes at once at most this many sandboxes: one slow sandbox does not hold up the others. */
const concurrency = 8;

/**
 * Probes every active, awake sandbox's health path through the load balancer
 * (as a visitor would reach it). After `failuresToDown` failures in a row it
 * is marked down; the first passing probe marks it up. Only those two changes
 * are reported (check run, comment, Slack notification channel, status
 * page), never each probe. Archived, sleeping and undeployed sandboxes are
 * not probed. An abort (the worker stopping) ends the sweep at once: a probe
 * cut short says nothing about the sandbox, so nothing is recorded for it.
 */
export async function probeUptime(deps: UptimeDeps): Promise<UptimeSweep> {
  const sweep: UptimeSweep = { probed: [], down: [], up: [] };
  const queue = (await deps.store.listInstances()).filter(
    (i) => !i.archivedAt && !i.deletedAt && !i.sleepingSince && i.activeAppserverId !== null,
  );
  const next = async (): Promise<void> => {
    for (let instance = queue.shift(); instance && !deps.signal?.aborted; instance = queue.shift()) {
      const outcome = await probeOne(deps, instance);
      if (outcome === 'skipped') continue;
      sweep.probed.push(instance.slug);
      if (outcome === 'down' || outcome === 'up') sweep[outcome].push(instance.slug);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, next));
  return sweep;
}

async function probeOne(deps: UptimeDeps, listed: Instance): Promise<'skipped' | 'same' | 'down' | 'up'> {
  const active = await deps.store.getAppserver(listed.activeAppserverId!);
  if (!active || active.state !== 'running') return 'skipped';
  const config = appserverConfig(active);
  const path = config.healthPath.startsWith('/') ? config.healthPath : `/${config.healthPath}`;
  const maxStatus = config.health?.maxStatus ?? 299;
  const headers: Record<string, string> = { 'user-agent': uptimeProbeAgent };
  if (listed.accessUser && listed.accessPassword)
    headers.authorization = `Basic ${Buffer.from(`${listed.accessUser}:${listed.accessPassword}`).toString('base64')}`;
  const answer = await deps.probe(`${deps.baseUrl}${path}`, deps.timeoutMs, {
    method: config.health?.method ?? 'GET',
    host: listed.domain,
    headers,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  if (deps.signal?.aborted) return 'skipped';
  const ok = answer.status !== null && answer.status >= 200 && answer.status <= maxStatus;
  const detail = answer.status === null ? (answer.error ?? 'no answer') : `HTTP ${answer.status}`;
  const now = deps.now();
  return deps.store.transaction(async (store) => {
    await store.lockInstance(listed.id);
    const instance = await store.getInstance(listed.id);
    // Put to sleep, archived or switched while the probe ran: this answer says nothing about it now.
    if (
      !instance ||
      instance.sleepingSince ||
      instance.archivedAt ||
      instance.deletedAt ||
      instance.activeAppserverId !== active.id
    )
      return 'skipped';
    const audit = {
      actor: 'uptime',
      surface: 'system',
      instanceId: instance.id,
      instanceSlug: instance.slug,
    } as const;
    if (ok) {
      if (instance.probeFailures === 0 && !instance.downSince) return 'same';
      await store.updateInstance(instance.id, { probeFailures: 0, downSince: null });
      if (!instance.downSince) return 'same';
      await store.recordAudit({
        ...audit,
        action: 'up',
        result: 'ok',
        detail: { appserver: active.number, downSince: instance.downSince.toISOString() },
      });
      await reportChange(store, instance.id, now);
      deps.logger.info({ instanceId: instance.id }, 'sandbox answers again');
      return 'up';
    }
    const failures = instance.probeFailures + 1;
    if (instance.downSince || failures < deps.failuresToDown) {
      await store.updateInstance(instance.id, { probeFailures: failures });
      return 'same';
    }
    await store.updateInstance(instance.id, { probeFailures: failures, downSince: now });
    await store.recordAudit({
      ...audit,
      action: 'down',
      result: 'error',
      detail: { appserver: active.number, probe: `${path} (Host ${instance.domain})`, last: detail, failures },
    });
    await reportChange(store, instance.id, now);
    deps.logger.warn({ instanceId: instance.id, last: detail }, 'sandbox down: its health check fails');
    return 'down';
  });
}
