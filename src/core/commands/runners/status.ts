import { statusOfInstance } from '../../instance-status';
import { loadInstanceView } from '../../instance-view';
import { sandboxFacts, targetOf } from './shared';
import type { Runner } from './types';

/** The URLs, the state and the appservers, as of now. */
export const status: Runner<'status'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  const view = await loadInstanceView(deps.store, instance, deps.links);
  return {
    name: 'status',
    sandbox: sandboxFacts(instance, deps.links),
    view,
    status: statusOfInstance(instance, view.appservers),
    at: deps.now(),
  };
};
