import { appserverConfig } from './create-appserver';
import type { ProvisioningDeps } from './deps';
import { ensureSandboxAccess } from './sandbox-access';

/**
 * Ends the switching window of an activation (`Route.switching`): the route
 * is applied again without it, so from now on an appserver that does not
 * answer gets the 502 page. Nothing to do when another appserver has been
 * activated since (its own settle follows) or the instance is gone. Safe to
 * run twice.
 */
export async function settleRoute(deps: ProvisioningDeps, appserverId: number): Promise<void> {
  await applyActiveRoute(deps, appserverId);
}

/**
 * Applies the route of the instance's active appserver as it stands: to the
 * appserver, or, while the sandbox sleeps (or `sleeping` says it is about
 * to), to the bot's waking page. Nothing to do when the appserver is not the
 * running active one. Safe to run twice.
 */
export async function applyActiveRoute(deps: ProvisioningDeps, appserverId: number, sleeping?: boolean): Promise<void> {
  const appserver = await deps.store.getAppserver(appserverId);
  if (!appserver || appserver.state !== 'running') return;
  const instance = await deps.store.getInstance(appserver.instanceId);
  if (!instance || instance.archivedAt || instance.deletedAt || instance.activeAppserverId !== appserver.id) return;
  const host = (await deps.store.getHost(appserver.hostId!))!;
  const { domains, proxy } = appserverConfig(appserver);
  await deps.lb.apply({
    slug: instance.slug,
    domains,
    target: { address: host.address, port: appserver.port! },
    access: await ensureSandboxAccess(deps, instance),
    ...(proxy ? { proxy } : {}),
    ...((sleeping ?? instance.sleepingSince !== null) ? { sleeping: true } : {}),
  });
}
