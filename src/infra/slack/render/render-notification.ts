import { context, link, section, type Block, type SlackView } from '../blocks';
import { instanceButtons } from './buttons';
import { isExpiryWarned } from '../../../core/expiry/expiry-policy';
import { activatable, domainLinks, expiryWords, instanceSummary, type InstanceView } from './describe';
import { logTail } from './render-operation';

/**
 * Whether an instance belongs in the notification channel now: a PR sandbox
 * when its newest deployment failed, it is about to expire (the warning) or
 * uptime probes found it down;
 * a manual instance on every state change.
 * Once an instance has a message there, it is kept current either way.
 */
export function wantsNotification(view: InstanceView): boolean {
  // Down (uptime probes): the message goes out once, and says "live" again in place when it recovers.
  if (view.instance.kind === 'manual' || isExpiryWarned(view.instance) || view.instance.downSince) return true;
  const latestDeployment = view.deployments.at(-1);
  const latestAppserver = view.appservers.at(-1);
  return (
    latestDeployment?.state === 'failed' || latestAppserver?.state === 'failed' || latestAppserver?.state === 'error'
  );
}

/** The one notification message of an instance, updated in place. */
export function renderNotification(view: InstanceView): SlackView {
  const { instance } = view;
  const summary = instanceSummary(view);
  const kind =
    instance.kind === 'pr' && instance.prUrl
      ? link(instance.prUrl, `${instance.prRepo}#${instance.prNumber}`)
      : 'manual sandbox';
  const latest = view.appservers.at(-1) ?? null;
  const failed = latest && (latest.state === 'failed' || latest.state === 'error');
  const blocks: Block[] = [
    section(`${summary.emoji} *${link(view.links.status, instance.slug)}* (${kind}): ${summary.words}`),
  ];
  if (failed) blocks.push(...logTail(latest));
  if (instance.activeAppserverId !== null && !instance.archivedAt)
    blocks.push(context(`Serving at ${domainLinks(view)}`));
  const expiry = expiryWords(instance);
  if (expiry) blocks.push(context(expiry));
  if (!instance.deletedAt)
    blocks.push(...instanceButtons({ instance, statusUrl: view.links.status, activate: activatable(view) }));
  return { text: `${instance.slug}: ${summary.words}`, blocks };
}

/** The reply that warns a manual sandbox's creator, in the thread of their creation message, of its expiry. */
export function renderExpiryWarning(view: InstanceView, creator: string): SlackView {
  const { instance } = view;
  const at = `${instance.expiresAt!.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const text = `<@${creator}> ${instance.slug} expires ${at} unless there is activity: it is then archived (its data is kept). \`/sandbox extend ${instance.slug} 3d\` keeps it longer.`;
  return {
    text,
    blocks: [
      section(`:hourglass_flowing_sand: ${text}`),
      ...instanceButtons({ instance, statusUrl: view.links.status, activate: null }),
    ],
  };
}
