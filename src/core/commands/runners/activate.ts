import { activate as activateOperation } from '../../operations/operations';
import { sandboxFacts, targetOf } from './shared';
import type { Runner } from './types';

/** Routes the domains to appserver N, default the newest running one. */
export const activate: Runner<'activate'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  const { appserver: number } = request.command;
  const appserver = await activateOperation({ store: deps.store }, instance, {
    actor: request.actor,
    ...(number === null ? {} : { number }),
  });
  return {
    name: 'activate',
    sandbox: sandboxFacts(instance, deps.links),
    appserver: { id: appserver.id, number: appserver.number },
  };
};
