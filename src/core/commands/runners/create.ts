import { SandboxError } from '../../errors';
import type { Deployment, Instance } from '../../model';
import { createManualInstance } from '../../operations/create-instance';
import { requestDeployment } from '../../operations/operations';
import type { ManualCatalog, ManualRepository } from './manual-catalog';
import { deploymentFacts, sandboxFacts } from './shared';
import type { Store } from '../../ports/store';
import { creatorOf } from '../../quotas/find-quota-breach';
import { goLiveWithinQuota, overQuotaError } from '../../quotas/within-quota';
import type { Runner } from './types';

const defaultRef = 'main';

/**
 * A manual sandbox from a configured repository (its recipe, default
 * settings and fields), deployed at once unless `deploy: false`. Assembled
 * here once for every surface.
 */
export const create: Runner<'create'> = async (deps, request) => {
  const { command, actor } = request;
  const repository = findRepository(deps.catalog, command.repository);
  const ref = command.ref ?? defaultRef;
  const make = (store: Store) =>
    createManualInstance(store, {
      slug: command.slug,
      repository,
      ref,
      repoUrl: command.cloneUrl ?? null,
      settings: command.settings ?? {},
      globalFields: deps.catalog.globalFields,
      ephemeralDatabases: repository.ephemeralDatabases,
      production: command.production ?? false,
      baseDomain: deps.catalog.baseDomain,
      reservedSlugs: deps.catalog.reservedSlugs,
      actor,
    });
  const answer = (instance: Instance, deployment: Deployment | null) => ({
    name: 'create' as const,
    sandbox: sandboxFacts(instance, deps.links),
    instance,
    repository: repository.name,
    ref,
    deployment: deployment && deploymentFacts(deployment),
  });
  // Not live until deployed: its first redeploy asks the quota.
  if (command.deploy === false) return answer(await make(deps.store), null);
  const outcome = await goLiveWithinQuota(
    deps.store,
    { instanceId: null, kind: 'manual', author: creatorOf(actor), repository: repository.name },
    deps.quotas?.(repository.name),
    async (store) => {
      const instance = await make(store);
      return { instance, deployment: await requestDeployment({ store, now: deps.now }, instance, { actor }) };
    },
  );
  if (!outcome.ok) throw overQuotaError(outcome.breach, 'manual');
  return answer(outcome.value.instance, outcome.value.deployment);
};

/**
 * Only configured repositories: a repository's settings may hold secrets,
 * which must not reach code from anywhere else.
 */
function findRepository(catalog: ManualCatalog, reference: string): ManualRepository {
  const found = catalog.find(reference);
  if (found) return found;
  const configured = catalog.names().join(', ') || 'none';
  const isUrl = /^[a-z+]+:\/\//i.test(reference);
  throw new SandboxError(
    'usage',
    `${isUrl ? `${reference} is not the URL of a configured repository` : `repository ${reference} is not configured`}; sandboxes are created from configured repositories only (configured: ${configured}); an operator can add one under repositories[] in sandbox.yml`,
  );
}
