import { resolveInstance } from '../../core/operations/resolve-instance';
import { loadInstanceView } from '../../infra/slack/load-instance-view';
import { renderStatus } from '../../infra/slack/render/render-status';
import { auditRead, instanceReference, type Runner } from './runner';

/** `/sandbox status <instance>`: URLs, state, appservers, buttons. */
export const status: Runner<'status'> = async (deps, request, command) => {
  await deps.permissions.require(request.userId, 'read');
  const instance = await resolveInstance(deps.store, instanceReference(command));
  const [view] = await Promise.all([loadInstanceView(deps.store, instance, deps.links), auditRead(deps, request, 'status', instance)]);
  return renderStatus(view);
};
