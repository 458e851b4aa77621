import { SandboxError, isSandboxError } from '../errors';
import { switchingWindowMs } from '../ports/load-balancer';
import { appserverConfig } from './create-appserver';
import type { ProvisioningDeps } from './deps';
import { reportChange } from './report-change';
import { ensureSandboxAccess } from './sandbox-access';

/**
 * Routes the instance's domains to a running appserver. The load balancer
 * switches first; only when that succeeded does the instance record the new
 * active appserver (the previous one keeps serving until then, and stays
 * running as the fallback until retention). Safe to run twice.
 */
export async function activateAppserver(deps: ProvisioningDeps, appserverId: number): Promise<void> {
  const appserver = await deps.store.getAppserver(appserverId);
  if (!appserver) return;
  // Independent reads, made at once: one round trip's wait, not two.
  const [instance, host] = await Promise.all([
    deps.store.getInstance(appserver.instanceId),
    appserver.hostId === null ? Promise.resolve(null) : deps.store.getHost(appserver.hostId),
  ]);
  if (!instance || instance.archivedAt || instance.deletedAt) return;
  if (appserver.state !== 'running') {
    throw new SandboxError(
      'conflict',
      `cannot activate appserver ${appserver.number} of ${instance.slug}: it is ${appserver.state}`,
    );
  }
  if (!host)
    throw new SandboxError(
      'conflict',
      `cannot activate appserver ${appserver.number} of ${instance.slug}: it has no host`,
    );
  const { domains, proxy } = appserverConfig(appserver);
  try {
    await deps.dns.ensure(domains);
    const access = await ensureSandboxAccess(deps, instance);
    await deps.lb.apply({
      slug: instance.slug,
      domains,
      target: { address: host.address, port: appserver.port! },
      access,
      ...(proxy ? { proxy } : {}),
      switching: true,
    });
  } catch (error) {
    await deps.store.recordAudit({
      actor: 'system',
      surface: 'system',
      action: 'activate',
      instanceId: instance.id,
      instanceSlug: instance.slug,
      result: 'error',
      detail: { appserver: appserver.number, error: error instanceof Error ? error.message : String(error) },
    });
    await reportChange(deps.store, instance.id, deps.now());
    if (isSandboxError(error, 'load_balancer_failed')) {
      deps.logger.error({ appserver: appserver.id, err: error }, 'activation failed; the previous route keeps serving');
      return;
    }
    throw error;
  }
  await deps.store.transaction(async (store) => {
    // This update takes the instance's row lock itself (no `select … for update` first: one round trip less).
    // A new appserver serves: whatever slept, or failed its uptime probes, was the previous one.
    await store.updateInstance(instance.id, {
      activeAppserverId: appserver.id,
      sleepingSince: null,
      downSince: null,
      probeFailures: 0,
    });
    await store.updateAppserver(appserver.id, { activatedAt: deps.now() });
    // The newest activation's settle replaces a pending one: only the active appserver's route settles.
    await store.enqueue(
      'settle_route',
      { appserverId: appserver.id },
      {
        instanceId: instance.id,
        jobKey: `settle:${instance.id}`,
        runAt: new Date(deps.now().getTime() + switchingWindowMs),
      },
    );
    await store.enqueue(
      'retain_appservers',
      { instanceId: instance.id },
      { instanceId: instance.id, jobKey: `retain:${instance.id}` },
    );
    await reportChange(store, instance.id, deps.now());
  });
  deps.logger.info({ instance: instance.slug, appserver: appserver.number }, 'appserver activated');
}
