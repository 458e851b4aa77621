import { isSandboxError } from '../../core/errors';
import { resolveInstance } from '../../core/operations/resolve-instance';
import { loadInstanceView } from '../../infra/slack/load-instance-view';
import { renderStatus } from '../../infra/slack/render/render-status';
import { auditRead, instanceReference, type Runner } from './runner';

/** `/sandbox status <instance>`: URLs, state, appservers, buttons; the sandbox's credentials for people who may deploy. */
export const status: Runner<'status'> = async (deps, request, command) => {
  await deps.permissions.require(request.userId, 'read');
  const instance = await resolveInstance(deps.store, instanceReference(command));
  const [view, showCredentials] = await Promise.all([loadInstanceView(deps.store, instance, deps.links), mayDeploy(deps, request.userId), auditRead(deps, request, 'status', instance)]);
  return renderStatus(view, { showCredentials });
};

async function mayDeploy(deps: Parameters<Runner<'status'>>[0], userId: string): Promise<boolean> {
  try {
    await deps.permissions.require(userId, 'deploy');
    return true;
  } catch (error) {
    if (isSandboxError(error, 'not_permitted')) return false;
    throw error;
  }
}
