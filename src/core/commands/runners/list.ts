import { SandboxError } from '../../errors';
import { statusOfInstance } from '../../instance-status';
import { loadInstanceView } from '../../instance-view';
import type { Instance } from '../../model';
import { readTogether } from '../../read-together';
import type { CommandRequest, Runner } from './types';

const readBatch = 8;

/**
 * The sandboxes, filtered: `mine` (asked for by this person), `failed` (the
 * last deploy failed), `repo:<name>`, or text in the slug or domain.
 * Archived ones only with `archived`.
 */
export const list: Runner<'list'> = async (deps, request) => {
  const filter = request.command.filter?.trim() ?? '';
  const instances = await choose(
    await deps.store.listInstances({ includeArchived: request.command.archived ?? false }),
    filter.toLowerCase(),
    request,
  );
  const sandboxes = [];
  for (let i = 0; i < instances.length; i += readBatch) {
    const views = await readTogether(
      deps.store,
      instances.slice(i, i + readBatch).map((instance) => () => loadInstanceView(deps.store, instance, deps.links)),
    );
    sandboxes.push(...views.map((view) => ({ view, status: statusOfInstance(view.instance, view.appservers) })));
  }
  return {
    name: 'list',
    filter: filter || null,
    sandboxes: filter.toLowerCase() === 'failed' ? sandboxes.filter((s) => s.status === 'failed') : sandboxes,
  };
};

async function choose(all: Instance[], filter: string, request: CommandRequest<'list'>): Promise<Instance[]> {
  if (filter === '' || filter === 'failed') return all;
  if (filter === 'mine') {
    if (!request.mine) throw new SandboxError('usage', '"mine" is not known here; filter by repo:<name> or by text');
    const mine = new Set(await request.mine());
    return all.filter((instance) => mine.has(instance.id));
  }
  if (filter.startsWith('repo:')) {
    const repo = filter.slice('repo:'.length);
    return all.filter((instance) => {
      const name = instance.prRepo?.toLowerCase() ?? '';
      return name === repo || name.endsWith(`/${repo}`);
    });
  }
  return all.filter((instance) => instance.slug.includes(filter) || instance.domain.includes(filter));
}
