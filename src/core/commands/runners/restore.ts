import { restore as restoreOperation } from '../../operations/operations';
import { deploymentFacts, pullRequestOf, refuseToDeploy, sandboxFacts, targetOf } from './shared';
import { deployWithinQuota } from './quota-gate';
import type { Runner } from './types';

/** Brings an archived sandbox back: a deployment that activates on success. */
export const restore: Runner<'restore'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  const record = await pullRequestOf(deps, request, instance);
  refuseToDeploy(instance, record);
  const deployment = await deployWithinQuota(deps, instance, record, (store) =>
    restoreOperation({ store, now: deps.now }, instance, { actor: request.actor }),
  );
  return { name: 'restore', sandbox: sandboxFacts(instance, deps.links), deployment: deploymentFacts(deployment) };
};
