import { statusPageUrl } from '../../core/naming/sandbox-urls';
import { activate as activateOperation } from '../../core/operations/operations';
import { resolveInstance } from '../../core/operations/resolve-instance';
import { link } from '../../infra/slack/blocks';
import { startOperation } from '../start-operation';
import { instanceReference, slackActor, type Runner } from './runner';

/** `/activate <instance> [N]`: route the domains to appserver N, default the newest running one. */
export const activate: Runner<'activate'> = async (deps, request, command) => {
  await deps.permissions.require(request.userId, 'activate');
  const instance = await resolveInstance(deps.store, instanceReference(command));
  const appserver = await startOperation(deps, { ...request, instanceId: instance.id, purpose: 'activate' }, async (store) => {
    const chosen = await activateOperation({ store }, instance, { actor: slackActor(request.userId), ...(command.appserver === null ? {} : { number: command.appserver }) });
    return { value: chosen, subjectId: chosen.id };
  });
  return { text: `:twisted_rightwards_arrows: On it: switching *${link(statusPageUrl(deps.links.publicUrl, instance.slug), instance.slug)}* to appserver ${appserver.number}.` };
};
