import { databaseSwitchOf, describeDatabaseSwitch } from '../../../core/databases/database-switch';
import type { Appserver, Deployment } from '../../../core/model';
import { codeBlock, context, escapeText, link, section, type Block, type SlackView } from '../blocks';
import { instanceButtons } from './buttons';
import { activatable, appserverLine, appserverWords, domainLinks, shortSha, type InstanceView } from './describe';

export type OperationPurpose = 'deploy' | 'activate' | 'archive' | 'delete';

export interface OperationMessage {
  purpose: OperationPurpose;
  /** The deployment (deploy) or appserver (activate) followed. */
  subjectId: number | null;
  requestedBy: string | null;
}

/** The operation's message as it should look now, and whether that is final. */
export interface OperationView extends SlackView {
  done: boolean;
}

export interface OperationExtras {
  /** Why the activation failed, when it did after this message was posted (from the audit log). */
  activationError?: string | null;
}

/**
 * Renders the one message of an operation started from Slack, from the
 * instance's current state. Pure: the reporter calls it on every change and
 * sends chat.update only when the result differs.
 */
export function renderOperation(
  message: OperationMessage,
  view: InstanceView,
  extras: OperationExtras = {},
): OperationView {
  const slug = link(view.links.status, view.instance.slug);
  const who = message.requestedBy ? ` (asked by <@${message.requestedBy}>)` : '';
  switch (message.purpose) {
    case 'deploy':
      return renderDeploy(
        view,
        view.deployments.find((d) => d.id === message.subjectId) ?? null,
        `Redeploy of *${slug}*${who}`,
      );
    case 'activate':
      return renderActivate(
        view,
        view.appservers.find((a) => a.id === message.subjectId) ?? null,
        `Activate on *${slug}*${who}`,
        extras.activationError ?? null,
      );
    case 'archive':
      return renderArchive(view, `Archive of *${slug}*${who}`);
    case 'delete':
      return renderDelete(view, `Delete of *${slug}*${who}`);
  }
}

function finish(
  title: string,
  status: string,
  view: InstanceView,
  done: boolean,
  more: Block[] = [],
  buttons = true,
): OperationView {
  const blocks: Block[] = [section(`${title}\n${status}`), ...more];
  if (buttons)
    blocks.push(
      ...instanceButtons({ instance: view.instance, statusUrl: view.links.status, activate: activatable(view) }),
    );
  return { text: `${plain(title)}: ${plain(status)}`, blocks, done };
}

function renderDeploy(view: InstanceView, deployment: Deployment | null, title: string): OperationView {
  if (!deployment) return finish(title, ':grey_question: the deployment is gone', view, true);
  const own = view.appservers.filter((a) => a.deploymentId === deployment.id);
  const latest = own.at(-1) ?? null;
  const attempt = deployment.attempts > 1 && latest ? ` (attempt ${own.length} of ${deployment.attempts})` : '';
  const commit = latest?.commitSha ?? deployment.commitSha;
  const footer = context(
    [
      `deployment ${deployment.id}`,
      deployment.ref ? `ref \`${escapeText(deployment.ref)}\`` : '',
      commit ? `commit \`${shortSha(commit)}\`` : '',
    ]
      .filter(Boolean)
      .join(' · '),
  );
  const switched = databaseSwitchOf(view.appservers, latest);
  const steps = [
    ...(own.length > 1 ? [context(own.map((a) => appserverLine(view, a)).join('\n'))] : []),
    ...(switched ? [context(`:card_file_box: ${escapeText(describeDatabaseSwitch(switched))}`)] : []),
  ];
  switch (deployment.state) {
    case 'pending':
      return finish(title, ':hourglass_flowing_sand: queued', view, false, [footer]);
    case 'running':
      return finish(
        title,
        latest ? `${appserverLine(view, latest)}${attempt}` : ':hourglass_flowing_sand: starting',
        view,
        false,
        [...steps, footer],
      );
    case 'cancelled':
      return finish(
        title,
        `:no_entry_sign: cancelled${latest?.failureReason ? `: ${escapeText(firstLine(latest.failureReason))}` : ''}`,
        view,
        true,
        [...steps, footer],
      );
    case 'failed':
      return finish(
        title,
        `:x: failed${attempt ? ` after ${own.length} attempts` : ''}: ${failure(latest)}`,
        view,
        true,
        [...steps, ...logTail(latest), footer],
      );
    case 'succeeded':
      return renderSucceeded(view, deployment, latest, title, [
        ...(switched ? [context(`:card_file_box: ${escapeText(describeDatabaseSwitch(switched))}`)] : []),
        footer,
      ]);
  }
}

function renderSucceeded(
  view: InstanceView,
  deployment: Deployment,
  latest: Appserver | null,
  title: string,
  more: Block[],
): OperationView {
  if (!latest) return finish(title, ':white_check_mark: done', view, true, more);
  if (view.instance.activeAppserverId === latest.id)
    return finish(
      title,
      `:white_check_mark: appserver ${latest.number} is live: ${domainLinks(view)}`,
      view,
      true,
      more,
    );
  if (latest.state !== 'running')
    return finish(title, `:white_circle: appserver ${latest.number} is ${appserverWords(latest)}`, view, true, more);
  if (deployment.activateOnSuccess)
    return finish(
      title,
      `:large_green_circle: appserver ${latest.number} is running; switching the domains to it`,
      view,
      false,
      more,
    );
  return finish(
    title,
    `:large_yellow_circle: appserver ${latest.number} is running; not activated (--no-activate)`,
    view,
    true,
    more,
  );
}

function renderActivate(
  view: InstanceView,
  appserver: Appserver | null,
  title: string,
  error: string | null,
): OperationView {
  if (!appserver) return finish(title, ':grey_question: the appserver is gone', view, true);
  if (view.instance.activeAppserverId === appserver.id)
    return finish(title, `:white_check_mark: appserver ${appserver.number} is live: ${domainLinks(view)}`, view, true);
  if (error)
    return finish(
      title,
      `:x: activating appserver ${appserver.number} failed: ${escapeText(error)}; the previous appserver keeps serving`,
      view,
      true,
    );
  if (appserver.state !== 'running' || view.instance.archivedAt)
    return finish(
      title,
      `:no_entry_sign: appserver ${appserver.number} is ${view.instance.archivedAt ? 'archived' : appserverWords(appserver)}; not activated`,
      view,
      true,
    );
  return finish(title, `:hourglass_flowing_sand: switching the domains to appserver ${appserver.number}`, view, false);
}

function renderArchive(view: InstanceView, title: string): OperationView {
  const { instance, appservers } = view;
  if (instance.deletedAt) return finish(title, ':wastebasket: deleted', view, true, [], false);
  const left = appservers.filter((a) => a.state !== 'terminated').length;
  if (instance.archivedAt && left === 0)
    return finish(
      title,
      ':file_cabinet: archived: every appserver is stopped and the domains no longer route; the data is kept',
      view,
      true,
      [],
      false,
    );
  if (!instance.archivedAt)
    return finish(title, ':leftwards_arrow_with_hook: restored before the archive finished', view, true);
  return finish(
    title,
    `:hourglass_flowing_sand: archiving: ${left} appserver${left === 1 ? '' : 's'} still to stop`,
    view,
    false,
    [],
    false,
  );
}

function renderDelete(view: InstanceView, title: string): OperationView {
  if (view.instance.deletedAt)
    return finish(
      title,
      ':wastebasket: deleted: appservers stopped, routes removed, data destroyed',
      view,
      true,
      [],
      false,
    );
  const left = view.appservers.filter((a) => a.state !== 'terminated').length;
  return finish(
    title,
    `:hourglass_flowing_sand: deleting${left ? `: ${left} appserver${left === 1 ? '' : 's'} still to stop` : ': destroying the data'}`,
    view,
    false,
    [],
    false,
  );
}

function failure(appserver: Appserver | null): string {
  if (!appserver) return 'no appserver was created';
  return `appserver ${appserver.number} ${appserverWords(appserver)}${appserver.failureReason ? `: ${escapeText(firstLine(appserver.failureReason))}` : ''}`;
}

/** The failure reason's log tail (everything after its first line), as a code block. */
export function logTail(appserver: Appserver | null): Block[] {
  const rest = appserver?.failureReason?.split('\n').slice(1).join('\n').trim();
  return rest ? [section(codeBlock(rest))] : [];
}

export function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').replace(/;\s*last lines:$/, '').trim();
}

/** mrkdwn to a plain fallback text: links become their label, markup goes. */
export function plain(text: string): string {
  return text
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2')
    .replace(/<@(\w+)>/g, '@$1')
    .replace(/[*`]/g, '')
    .replace(/:[a-z_]+: /g, '');
}
