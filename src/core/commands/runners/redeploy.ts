import { requestDeployment, restore } from '../../operations/operations';
import { deploymentFacts, pullRequestOf, refuseToDeploy, sandboxFacts, targetOf } from './shared';
import { deployWithinQuota } from './quota-gate';
import type { Runner } from './types';

/** A new appserver with the current settings; an archived sandbox is restored (the same from every surface). */
export const redeploy: Runner<'redeploy'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  const record = await pullRequestOf(deps, request, instance);
  refuseToDeploy(instance, record);
  const { actor, command } = request;
  if (instance.archivedAt) {
    const deployment = await deployWithinQuota(deps, instance, record, (store) =>
      restore({ store, now: deps.now }, instance, { actor }),
    );
    return {
      name: 'redeploy',
      sandbox: sandboxFacts(instance, deps.links),
      deployment: deploymentFacts(deployment),
      restored: true,
    };
  }
  const deployment = await deployWithinQuota(deps, instance, record, (store) =>
    requestDeployment({ store, now: deps.now }, instance, {
      actor,
      activateOnSuccess: command.activate,
      ...(command.attempts ? { attempts: command.attempts } : {}),
    }),
  );
  return {
    name: 'redeploy',
    sandbox: sandboxFacts(instance, deps.links),
    deployment: deploymentFacts(deployment),
    restored: false,
  };
};
