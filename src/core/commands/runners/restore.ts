import { restore as restoreOperation } from '../../operations/operations';
import { deploymentFacts, pullRequestOf, refuseToDeploy, sandboxFacts, targetOf } from './shared';
import type { Runner } from './types';

/** Brings an archived sandbox back: a deployment that activates on success. */
export const restore: Runner<'restore'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  refuseToDeploy(instance, await pullRequestOf(deps, request, instance));
  const deployment = await restoreOperation({ store: deps.store }, instance, { actor: request.actor });
  return { name: 'restore', sandbox: sandboxFacts(instance, deps.links), deployment: deploymentFacts(deployment) };
};
