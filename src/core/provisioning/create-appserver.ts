import { makeDomains } from '../naming';
import type { AppserverConfig, Appserver, Deployment, Instance } from '../model';
import { mergeSettings, type SettingsMap } from '../settings';
import type { ProvisioningDeps } from './deps';
import { ensureSandboxAccess } from './sandbox-access';

/**
 * Creates the next appserver of a deployment with an immutable snapshot of
 * everything it deploys, and enqueues its provisioning (unless the caller
 * provisions it in the same job, and runs again after a crash: `startDeployment`).
 */
export async function createAppserver(
  deps: ProvisioningDeps,
  instance: Instance,
  deployment: Deployment,
  { queueProvisioning = true }: { queueProvisioning?: boolean } = {},
): Promise<Appserver> {
  const recipe = deps.recipes.recipeFor(instance);
  // Credentials exist from the first deploy on, so the status page can show them before the sandbox answers.
  await ensureSandboxAccess(deps, instance);
  const domains = makeDomains({
    slug: instance.slug,
    baseDomain: deps.baseDomain,
    prefixes: recipe.extraDomainPrefixes,
  });
  const ref = deployment.ref ?? instance.ref ?? 'HEAD';
  const generated = recipe.generateVars?.({
    slug: instance.slug,
    domains: domains.domains,
    prefixes: recipe.extraDomainPrefixes,
    fields: instance.fields,
    repoUrl: instance.repoUrl ?? '',
    version: deployment.commitSha ?? ref,
  });
  const health = recipe.health ?? {
    path: recipe.healthPath,
    method: 'GET',
    timeoutMs: recipe.healthTimeoutMs,
    hostHeader: false,
    maxStatus: 299,
  };
  const config: AppserverConfig = {
    recipe: recipe.name,
    repository: instance.prRepo,
    repoUrl: instance.repoUrl ?? '',
    ref,
    commitSha: deployment.commitSha,
    slug: instance.slug,
    domains: domains.domains,
    // The recipe's generated variables first: the merged settings win over them.
    settings: generated
      ? (mergeSettings(generated as SettingsMap, instance.settings as SettingsMap) as Record<string, unknown>)
      : instance.settings,
    fields: instance.fields,
    databaseMode: instance.databaseMode,
    phases: recipe.phases,
    healthPath: health.path,
    healthTimeoutMs: health.timeoutMs,
    health: { method: health.method, host: health.hostHeader ? domains.domain : null, maxStatus: health.maxStatus },
    smokeChecks: (recipe.smokeChecks ?? []).flatMap((check) => {
      const index = recipe.extraDomainPrefixes.indexOf(check.prefix);
      return index < 0 ? [] : [{ domain: domains.domains[index + 1]!, path: check.path }];
    }),
    ...(recipe.proxy ? { proxy: recipe.proxy } : {}),
    tasks: { ...(recipe.tasks ?? {}) },
  };
  const appserver = await deps.store.insertAppserver({
    instanceId: instance.id,
    deploymentId: deployment.id,
    config: config as unknown as Record<string, unknown>,
    commitSha: deployment.commitSha,
    ref: config.ref,
  });
  if (queueProvisioning)
    await deps.store.enqueue('provision_appserver', { appserverId: appserver.id }, { instanceId: instance.id });
  return appserver;
}

export const appserverConfig = (appserver: Appserver): AppserverConfig =>
  appserver.config as unknown as AppserverConfig;
