import { cancel as cancelOperation } from '../../operations/operations';
import { sandboxFacts, targetOf } from './shared';
import type { Runner } from './types';

/** Cancels the sandbox's unfinished deployments (kills the remote deploy). */
export const cancel: Runner<'cancel'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  const cancelled = await cancelOperation({ store: deps.store }, instance, { actor: request.actor });
  return { name: 'cancel', sandbox: sandboxFacts(instance, deps.links), cancelled };
};
