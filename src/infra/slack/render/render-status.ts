import { codeBlock, context, escapeText, link, section, type Block, type SlackView } from '../blocks';
import { instanceButtons } from './buttons';
import { activatable, appserverLine, domainLinks, expiryWords, instanceSummary, type InstanceView } from './describe';
import { firstLine } from './render-operation';

const shownAppservers = 6;

/**
 * `/sandbox status`: URLs, state, access, appservers (newest first), and the
 * buttons. The sandbox's basic-auth password appears only with
 * `showCredentials` (people who may deploy; the reply is ephemeral).
 */
export function renderStatus(
  view: InstanceView,
  { showCredentials = false }: { showCredentials?: boolean } = {},
): SlackView {
  const { instance, appservers } = view;
  const summary = instanceSummary(view);
  const origin =
    instance.kind === 'pr' && instance.prUrl
      ? link(instance.prUrl, `${instance.prRepo}#${instance.prNumber}`)
      : `manual, from ${escapeText(instance.prRepo ?? instance.repoUrl ?? '?')}${instance.ref ? ` at \`${escapeText(instance.ref)}\`` : ''}`;
  const lines = [
    `*${link(view.links.status, instance.slug)}*: ${summary.emoji} ${summary.words}`,
    `Domains: ${domainLinks(view)}`,
    `Origin: ${origin}`,
  ];
  if (instance.accessUser && instance.accessPassword) {
    lines.push(
      showCredentials
        ? `Access: HTTP basic auth, user \`${escapeText(instance.accessUser)}\`, password \`${escapeText(instance.accessPassword)}\``
        : 'Access: HTTP basic auth (people who may deploy see the user and password here and on the status page)',
    );
  }
  const expiry = expiryWords(instance);
  if (expiry) lines.push(expiry);
  if (view.tags?.length) lines.push(`Tags: ${view.tags.map((tag) => `\`${escapeText(tag)}\``).join(', ')}`);
  const newest = [...appservers].reverse().slice(0, shownAppservers);
  const blocks: Block[] = [section(lines.join('\n'))];
  if (newest.length) {
    const more = appservers.length > shownAppservers ? `\n…and ${appservers.length - shownAppservers} older` : '';
    blocks.push(context(newest.map((a) => appserverLine(view, a)).join('\n') + more));
  }
  const latest = appservers.at(-1);
  if (latest?.failureReason && (latest.state === 'failed' || latest.state === 'error'))
    blocks.push(section(`Appserver ${latest.number}: ${escapeText(firstLine(latest.failureReason))}`));
  blocks.push(...instanceButtons({ instance, statusUrl: view.links.status, activate: activatable(view) }));
  return { text: `${instance.slug}: ${summary.words}`, blocks };
}

/** `/sandbox logs`: the last lines of one appserver's log and a link to the whole of it. */
export function renderLogs(
  view: InstanceView,
  appserverNumber: number,
  text: string,
  lines: number,
  marker = '',
  log: 'deploy' | 'runtime' = 'deploy',
): SlackView {
  const body = marker + text.trimEnd().split('\n').slice(-lines).join('\n');
  const which = log === 'runtime' ? 'runtime log' : 'log';
  const header = `*${link(view.links.status, view.instance.slug)}* appserver ${appserverNumber} ${which}: last ${lines} lines (the whole ${which} is on the status page)`;
  const empty =
    log === 'runtime'
      ? '_no runtime output kept yet (it is copied while the appserver runs)_'
      : '_the log is empty so far_';
  return {
    text: `${view.instance.slug} appserver ${appserverNumber} ${which}`,
    blocks: [section(header), section(body ? codeBlock(body, 2_800) : empty)],
  };
}
