import { requestDeployment } from '../../core/operations/operations';
import { resolveInstance } from '../../core/operations/resolve-instance';
import { link } from '../../infra/slack/blocks';
import { statusPageUrl } from '../../core/naming/sandbox-urls';
import { startOperation } from '../start-operation';
import { instanceReference, slackActor, type Runner } from './runner';

/** `/redeploy <instance> [--no-activate] [--attempts N]`: a new appserver with the current settings. */
export const redeploy: Runner<'redeploy'> = async (deps, request, command) => {
  await deps.permissions.require(request.userId, 'deploy');
  const instance = await resolveInstance(deps.store, instanceReference(command));
  const deployment = await startOperation(deps, { ...request, instanceId: instance.id, purpose: 'deploy' }, async (store) => {
    const created = await requestDeployment({ store }, instance, { actor: slackActor(request.userId), activateOnSuccess: command.activate, ...(command.attempts ? { attempts: command.attempts } : {}) });
    return { value: created, subjectId: created.id };
  });
  const notes = [deployment.attempts > 1 ? `up to ${deployment.attempts} attempts` : '', deployment.activateOnSuccess ? '' : 'without activating'].filter(Boolean).join(', ');
  return { text: `:rocket: On it: redeploying *${link(statusPageUrl(deps.links.publicUrl, instance.slug), instance.slug)}* (deployment ${deployment.id}${notes ? `, ${notes}` : ''}). A message in this channel follows its progress.` };
};
