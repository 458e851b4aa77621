import { context, link, section, type Block, type SlackView } from '../blocks';
import { instanceSummary, type InstanceView } from './describe';

const maxRows = 40;

/** `/sandbox list`: one line per sandbox with its state, newest changes first as given. */
export function renderList(views: readonly InstanceView[], filterWords: string): SlackView {
  if (views.length === 0) return { text: `No sandboxes ${filterWords}.` };
  const rows = views.slice(0, maxRows).map((view) => {
    const summary = instanceSummary(view);
    return `${summary.emoji} *${link(view.links.status, view.instance.slug)}*: ${summary.words}`;
  });
  const blocks: Block[] = [];
  for (let i = 0; i < rows.length; i += 20) blocks.push(section(rows.slice(i, i + 20).join('\n')));
  if (views.length > maxRows)
    blocks.push(context(`…and ${views.length - maxRows} more; narrow it down with \`/sandbox list <text>\``));
  return {
    text: `${views.length} sandbox${views.length === 1 ? '' : 'es'} ${filterWords}`,
    blocks: [context(`${views.length} sandbox${views.length === 1 ? '' : 'es'} ${filterWords}`), ...blocks],
  };
}
