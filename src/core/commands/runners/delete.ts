import { deleteInstance } from '../../operations/operations';
import { sandboxFacts, targetOf } from './shared';
import type { Runner } from './types';

/** Archives, then destroys the data; a production sandbox needs `force`. */
export const deleteCommand: Runner<'delete'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  await deleteInstance({ store: deps.store, now: deps.now }, instance, {
    actor: request.actor,
    force: request.command.force,
  });
  return { name: 'delete', sandbox: sandboxFacts(instance, deps.links) };
};
