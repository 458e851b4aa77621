import { archive as archiveOperation } from '../../operations/operations';
import { sandboxFacts, targetOf } from './shared';
import type { Runner } from './types';

/** Stops every appserver and removes the routes; keeps the data. An archived sandbox is left as it is. */
export const archive: Runner<'archive'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  if (instance.archivedAt)
    return { name: 'archive', sandbox: sandboxFacts(instance, deps.links), alreadyArchived: true };
  await archiveOperation({ store: deps.store, now: deps.now }, instance, { actor: request.actor });
  return { name: 'archive', sandbox: sandboxFacts(instance, deps.links), alreadyArchived: false };
};
