import type { Instance } from '../../core/model';
import { escapeText } from '../../infra/slack/blocks';
import { loadInstanceView } from '../../infra/slack/load-instance-view';
import type { InstanceView } from '../../infra/slack/render/describe';
import { renderList } from '../../infra/slack/render/render-list';
import type { SlackDeps, SlackRequest } from '../deps';
import { auditRead, type Runner } from './runner';

const readBatch = 8;

/** `/sandbox list [mine|failed|repo:<name>|text]`. */
export const list: Runner<'list'> = async (deps, request, command) => {
  await deps.permissions.require(request.userId, 'read');
  const filter = command.filter?.trim() ?? '';
  const instances = await choose(deps, request, filter);
  let views = await loadViews(deps, instances);
  if (filter.toLowerCase() === 'failed') views = views.filter(isFailed);
  await auditRead(deps, request, 'list', null, { filter: filter || null, count: views.length });
  return renderList(views, describe(filter));
};

async function choose(deps: SlackDeps, request: SlackRequest, filter: string): Promise<Instance[]> {
  const all = await deps.store.listInstances();
  const lower = filter.toLowerCase();
  if (lower === '' || lower === 'failed') return all;
  if (lower === 'mine') {
    const mine = new Set(await deps.messages.instanceIdsOf(request.userId));
    return all.filter((instance) => mine.has(instance.id));
  }
  if (lower.startsWith('repo:')) {
    const repo = lower.slice('repo:'.length);
    return all.filter((instance) => {
      const name = instance.prRepo?.toLowerCase() ?? '';
      return name === repo || name.endsWith(`/${repo}`);
    });
  }
  return all.filter((instance) => instance.slug.includes(lower) || instance.domain.includes(lower));
}

async function loadViews(deps: SlackDeps, instances: Instance[]): Promise<InstanceView[]> {
  const views: InstanceView[] = [];
  for (let i = 0; i < instances.length; i += readBatch) {
    views.push(...(await Promise.all(instances.slice(i, i + readBatch).map((instance) => loadInstanceView(deps.store, instance, deps.links)))));
  }
  return views;
}

function isFailed(view: InstanceView): boolean {
  const latest = view.appservers.at(-1);
  return latest?.state === 'failed' || latest?.state === 'error';
}

function describe(filter: string): string {
  const lower = filter.toLowerCase();
  if (lower === '') return '(archived ones are not listed)';
  if (lower === 'mine') return 'that you deployed or created';
  if (lower === 'failed') return 'whose last deploy failed';
  if (lower.startsWith('repo:')) return `from ${escapeText(filter.slice('repo:'.length))}`;
  return `matching “${escapeText(filter)}”`;
}
