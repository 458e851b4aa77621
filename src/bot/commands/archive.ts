import { statusPageUrl } from '../../core/naming/sandbox-urls';
import { archive as archiveOperation } from '../../core/operations/operations';
import { resolveInstance } from '../../core/operations/resolve-instance';
import { link } from '../../infra/slack/blocks';
import { startOperation } from '../start-operation';
import { instanceReference, slackActor, type Runner } from './runner';

/** `/sandbox archive <instance>`: stop every appserver, remove the routes, keep the data. */
export const archive: Runner<'archive'> = async (deps, request, command) => {
  await deps.permissions.require(request.userId, 'archive');
  const instance = await resolveInstance(deps.store, instanceReference(command));
  await startOperation(deps, { ...request, instanceId: instance.id, purpose: 'archive' }, async (store) => {
    await archiveOperation({ store }, instance, { actor: slackActor(request.userId) });
    return { value: null, subjectId: null };
  });
  return { text: `:file_cabinet: On it: archiving *${link(statusPageUrl(deps.links.publicUrl, instance.slug), instance.slug)}*; its data is kept.` };
};
