import { dropInstanceDatabases } from '../databases/drop-instance-databases';
import type { ProvisioningDeps } from './deps';
import { cancelInstance, terminateAppserver } from './stop-appserver';
import { reportChange } from './report-change';

/**
 * Archive: routes and DNS removed first (nothing routes to a dying appserver),
 * then every appserver terminated. With `destroy` (delete): the recipe's
 * destroy phase runs and the instance's whole directory goes from every host
 * it used, then its persistent databases are dropped (each result in the
 * audit log). Safe to run twice; an unreachable host makes it throw (retried).
 */
export async function archiveInstance(
  deps: ProvisioningDeps,
  instanceId: number,
  options: { destroy?: boolean } = {},
): Promise<void> {
  const instance = await deps.store.getInstance(instanceId);
  if (!instance || instance.deletedAt) return;
  await deps.lb.remove(instance.slug);
  await deps.dns.remove([instance.domain, ...instance.extraDomains]);
  await deps.store.updateInstance(instance.id, {
    activeAppserverId: null,
    archivedAt: instance.archivedAt ?? deps.now(),
    sleepingSince: null,
    downSince: null,
    probeFailures: 0,
  });
  await cancelInstance(deps, instance.id);
  const appservers = await deps.store.listAppservers(instance.id);
  for (const appserver of appservers) await terminateAppserver(deps, appserver.id);
  await reportChange(deps.store, instance.id, deps.now());
  if (!options.destroy) return;
  const recipe = (() => {
    try {
      return deps.recipes.recipeFor(instance);
    } catch {
      return null;
    }
  })();
  const hostIds = new Set(appservers.map((a) => a.hostId).filter((id): id is number => id !== null));
  for (const hostId of hostIds) {
    const host = await deps.store.getHost(hostId);
    if (!host) continue;
    const transport = deps.hosts.transportFor(host);
    const instanceDir = `${host.workRoot.replace(/\/+$/, '')}/${instance.slug}`;
    if (recipe?.phases.destroy) {
      await transport.writeFile(
        `${instanceDir}/destroy.sh`,
        `#!/usr/bin/env bash\nset -eo pipefail\n${recipe.phases.destroy}\n`,
        0o700,
      );
      const result = await transport.exec(['bash', `${instanceDir}/destroy.sh`], {
        cwd: instanceDir,
        env: { SBX_SLUG: instance.slug, SBX_DATA_DIR: `${instanceDir}/data` },
        timeoutMs: 10 * 60_000,
      });
      if (result.code !== 0)
        throw new Error(
          `destroy phase of ${instance.slug} on ${host.name} exited ${result.code}: ${result.stderr.trim().slice(-500)}`,
        );
    }
    await transport.remove(instanceDir);
  }
  // Persistent databases go last, after nothing runs against them; what fails to drop stays recorded and reconcile retries it.
  if (deps.databases) {
    const outcome = await dropInstanceDatabases({ databases: deps.databases, now: deps.now }, instance);
    if (outcome.dropped.length > 0 || outcome.left.length > 0) {
      await deps.store.recordAudit({
        actor: 'system',
        surface: 'system',
        action: 'drop-databases',
        instanceId: instance.id,
        instanceSlug: instance.slug,
        result: outcome.left.length > 0 ? 'error' : 'ok',
        detail: { ...outcome },
      });
    }
  }
  await deps.store.updateInstance(instance.id, { deletedAt: deps.now() });
  await reportChange(deps.store, instance.id, deps.now());
}
