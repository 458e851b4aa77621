import { makeDomains } from '../naming';
import type { AppserverConfig, Appserver, Deployment, Instance } from '../model';
import type { ProvisioningDeps } from './deps';
import { ensureSandboxAccess } from './sandbox-access';

/**
 * Creates the next appserver of a deployment with an immutable snapshot of
 * everything it deploys, and enqueues its provisioning.
 */
export async function createAppserver(deps: ProvisioningDeps, instance: Instance, deployment: Deployment): Promise<Appserver> {
  const recipe = deps.recipes.recipeFor(instance);
  // Credentials exist from the first deploy on, so the status page can show them before the sandbox answers.
  await ensureSandboxAccess(deps, instance);
  const domains = makeDomains({ slug: instance.slug, baseDomain: deps.baseDomain, prefixes: recipe.extraDomainPrefixes });
  const config: AppserverConfig = {
    recipe: recipe.name,
    repository: instance.prRepo,
    repoUrl: instance.repoUrl ?? '',
    ref: deployment.ref ?? instance.ref ?? 'HEAD',
    commitSha: deployment.commitSha,
    slug: instance.slug,
    domains: domains.domains,
    settings: instance.settings,
    fields: instance.fields,
    databaseMode: instance.databaseMode,
    phases: recipe.phases,
    healthPath: recipe.healthPath,
    healthTimeoutMs: recipe.healthTimeoutMs,
  };
  const appserver = await deps.store.insertAppserver({
    instanceId: instance.id,
    deploymentId: deployment.id,
    config: config as unknown as Record<string, unknown>,
    commitSha: deployment.commitSha,
    ref: config.ref,
  });
  await deps.store.enqueue('provision_appserver', { appserverId: appserver.id }, { instanceId: instance.id });
  return appserver;
}

export const appserverConfig = (appserver: Appserver): AppserverConfig => appserver.config as unknown as AppserverConfig;
