import { listCommands } from '../../../core/commands';
import type { Appserver } from '../../../core/model';
import { databaseSwitchOf, describeDatabaseSwitch } from '../../../core/databases/database-switch';
import { formatDuration } from '../../../core/duration';
import { isExpiryWarned } from '../../../core/expiry/expiry-policy';
import { describeAllowed } from '../../../core/pull-requests/run-pr-command';
import { deployDuration, viewReport, type ReportPhase, type ReportState } from './report-state';
import { describeErrors, describeQuotaWait, inline, truncate } from './render-text';

/** Hidden marker that identifies the bot's one comment on a pull request. */
export const commentMarker = '<!-- sandbox-bot:pull-request -->';

/** GitHub refuses comments of 65,536 characters or more; stay well below. */
export const maxCommentLength = 60_000;

const headings: Record<ReportPhase, string> = {
  waiting_approval: '⏸️ Sandbox waiting for approval',
  waiting_isolation: '⏸️ Sandbox not deployed: fork pull request',
  waiting_draft: '⏸️ Sandbox waiting: draft pull request',
  waiting_slug: '⏸️ Sandbox not deployed: its name is taken',
  waiting_quota: '⏸️ Sandbox waiting: over quota',
  settings_error: '⚠️ Sandbox settings error',
  deploying: '🟡 Sandbox deploying',
  running: '🟢 Sandbox running',
  failed: '🔴 Sandbox deploy failed',
  cancelled: '⚪ Sandbox deploy cancelled',
  not_deployed: '⚪ Sandbox not deployed',
  archived: '⚪ Sandbox archived',
  closed: '⚪ Sandbox archived: pull request closed',
};

/**
 * The sticky comment (pure): state, URLs, appservers, settings errors, the
 * latest command reply, how to customize with a **Settings** block, and the
 * commands. Long output (logs) stays on the status page; the whole comment
 * stays under GitHub's size limit.
 */
export function renderComment(state: ReportState, now: Date): string {
  const view = viewReport(state);
  const { record, instance, statusUrl } = state;
  const parts: string[] = [commentMarker, `### ${headings[view.phase]}`, ''];
  parts.push(describePhase(state, now));
  const newest = state.appservers.reduce<Appserver | null>((n, a) => (!n || a.number > n.number ? a : n), null);
  const switched = databaseSwitchOf(state.appservers, newest);
  if (switched) parts.push('', `🗄️ **Databases:** ${describeDatabaseSwitch(switched)}.`);

  if (
    instance &&
    view.phase !== 'waiting_approval' &&
    view.phase !== 'waiting_isolation' &&
    view.phase !== 'waiting_quota'
  ) {
    if (state.urls.length && !instance.archivedAt && record.state === 'open')
      parts.push('', `**URL:** ${state.urls.map((url) => `<${url}>`).join(' · ')}`);
    if (statusUrl) parts.push(`**Status page and deploy log:** <${statusUrl}>`);
    const expiry = expiryLine(instance);
    if (expiry && record.state === 'open') parts.push('', expiry);
  }
  if (view.settingsErrors.length) {
    parts.push(
      '',
      `The **Settings** block in the description has ${view.settingsErrors.length === 1 ? 'a problem' : 'problems'}, so nothing new was deployed${view.active ? ` (appserver ${view.active.number} keeps serving)` : ''}:`,
      '',
      truncate(describeErrors(view.settingsErrors), 20_000),
    );
  }
  const table = appserverTable(state, now);
  if (table) parts.push('', table);
  if (record.notice) parts.push('', `> ${truncate(inline(record.notice.text), 3_000)}`);
  parts.push('', customizeSection(), '', commandsSection());
  return truncate(parts.join('\n'), maxCommentLength, '\n\n… (shortened; the status page has everything)');
}

function describePhase(state: ReportState, now: Date): string {
  const view = viewReport(state);
  const { record } = state;
  const head = view.headAppserver;
  const sha = `\`${record.headSha.slice(0, 7)}\``;
  switch (view.phase) {
    case 'waiting_approval': {
      const who = state.repository ? describeAllowed(state.repository) : 'a maintainer';
      const why = record.fromFork ? 'pull requests from forks' : `pull requests from people outside the maintainers`;
      const approved =
        state.instance?.approvedBy && state.instance.approvedSha && state.instance.approvedSha !== record.headSha
          ? state.instance
          : null;
      if (approved) {
        return `@${approved.approvedBy} approved \`${approved.approvedSha!.slice(0, 7)}\`; the new commit ${sha} waits for a new approval, because an approval holds for one commit of ${why}. Any of ${who} can comment \`/sandbox approve\` to deploy ${sha}.`;
      }
      return `Thanks for the pull request, @${record.author}! Sandboxes for ${why} are deployed once a maintainer has had a look. Any of ${who} can comment \`/sandbox approve\` to deploy this one (${sha}).`;
    }
    case 'waiting_isolation':
      return `Sandboxes of pull requests from forks are not deployed here: on this bot's host, sandbox code would run as the bot's own user and could read its secrets. An administrator can run the bot as root (each sandbox then gets an OS user of its own) or set \`trigger.allow_forks_unisolated: true\` for this repository in sandbox.yml.`;
    case 'waiting_slug':
      return 'Its sandbox name is reserved (`www`, the bot’s own host name, `naming.reserved_slugs`), or another sandbox has it or serves one of its domains (a manual `studio-<name>` takes the Studio domain of `<name>`). An administrator can delete that sandbox or change `naming.slug_template` in sandbox.yml; the next push creates this one.';
    case 'waiting_quota':
      return describeQuotaWait(record.waitingQuota!);
    case 'waiting_draft':
      return 'This pull request is a draft; its sandbox is deployed once it is marked ready for review.';
    case 'settings_error':
      return `Fix the **Settings** block in the description and the sandbox redeploys by itself.`;
    case 'deploying':
      if (!head) return `A deploy of ${sha} is queued.`;
      if (head.state === 'running') return `Appserver ${head.number} runs ${sha}; the sandbox is switching to it.`;
      return `Appserver ${head.number} is deploying ${sha} (${head.state}); the status page shows its log as it runs.`;
    case 'running':
      if (view.active?.id === head!.id && state.instance?.downSince)
        return `🔴 **Down:** appserver ${head!.number} (${sha}) has stopped answering its health check since ${utc(state.instance.downSince)} UTC. This comment says so when it answers again; \`/sandbox redeploy\` starts a fresh appserver.`;
      if (view.active?.id === head!.id && state.instance?.sleepingSince)
        return `💤 Appserver ${head!.number} runs ${sha} but is **asleep** since ${utc(state.instance.sleepingSince)} UTC (no requests for a while); the next request wakes it.`;
      return view.active?.id === head!.id
        ? `Appserver ${head!.number} runs ${sha} and serves the sandbox (deployed in ${formatDuration(deployDuration(head!, now))}).`
        : `Appserver ${head!.number} runs ${sha} but is not active; comment \`/sandbox activate ${head!.number}\` to switch to it.`;
    case 'failed':
      return `Appserver ${head!.number} failed to deploy ${sha}: ${inline(head!.failureReason?.split('\n')[0] ?? 'see the deploy log')}${view.active ? ` Appserver ${view.active.number} keeps serving.` : ''}`;
    case 'cancelled':
      return `The deploy of ${sha} was cancelled; \`/sandbox redeploy\` starts another.`;
    case 'not_deployed':
      return state.repository?.onPush === 'ignore'
        ? `${sha} is not deployed: this repository does not deploy new commits by itself (\`on_push: ignore\`); comment \`/sandbox redeploy\`.`
        : `${sha} is not deployed; comment \`/sandbox redeploy\`.`;
    case 'archived':
      if (state.instance?.expiredAt)
        return `The sandbox was archived on ${utc(state.instance.expiredAt)} UTC after a while without activity; its data is kept. A push or \`/sandbox redeploy\` brings it back.`;
      return 'The sandbox is archived; its data is kept. `/sandbox redeploy` brings it back.';
    case 'closed':
      return 'The pull request is closed, so its sandbox is archived (its data is kept). Reopening the pull request brings it back.';
  }
}

/** The expiry or the pin, and the warning once it went out (absolute times: the comment is not re-rendered as time passes). */
function expiryLine(instance: NonNullable<ReportState['instance']>): string | null {
  if (instance.archivedAt || instance.deletedAt) return null;
  if (instance.pinned) return '📌 **Pinned:** this sandbox does not expire (`/sandbox unpin` undoes it).';
  if (!instance.expiresAt) return null;
  if (instance.sleepingSince)
    return `**Expires:** paused while the sandbox is asleep (it was ${utc(instance.expiresAt)} UTC; waking moves it on by the time slept).`;
  if (isExpiryWarned(instance)) {
    return `⏳ **This sandbox expires on ${utc(instance.expiresAt)} UTC** unless there is activity: push a commit or comment \`/sandbox extend 3d\`. It is archived then (its data is kept); a push or \`/sandbox redeploy\` brings it back.`;
  }
  return `**Expires:** ${utc(instance.expiresAt)} UTC without activity (\`/sandbox extend 3d\` keeps it longer).`;
}

function utc(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

function appserverTable(state: ReportState, now: Date): string | null {
  const shown = state.appservers.slice(0, 5);
  if (shown.length === 0) return null;
  const activeId = state.instance?.activeAppserverId;
  // Unfinished deploys show no running time: the comment changes only when a state does.
  const took = (a: Appserver) => ((a.readyAt ?? a.finishedAt) ? formatDuration(deployDuration(a, now)) : '…');
  const rows = shown.map(
    (a) =>
      `| ${a.number}${a.id === activeId ? ' (active)' : ''} | ${a.state} | \`${(a.commitSha ?? a.ref ?? '').slice(0, 7)}\` | ${took(a)} |`,
  );
  const more =
    state.appservers.length > shown.length
      ? `\n\n${state.appservers.length - shown.length} older appservers are on the status page.`
      : '';
  return ['| Appserver | State | Commit | Deploy time |', '| --- | --- | --- | --- |', ...rows].join('\n') + more;
}

function customizeSection(): string {
  return [
    '<details><summary>Customize this sandbox</summary>',
    '',
    'Add a **Settings** block to the pull request description; it is merged over the repository’s default settings and the sandbox redeploys when it changes:',
    '',
    '    **Settings**',
    '    ```yaml',
    '    MY_FEATURE_FLAG: true',
    '    ```',
    '',
    'Write `(ephemeral databases)` or `(persistent databases)` on the line that names the sandbox’s domain to choose its databases. Secrets and host names cannot be set from a pull request. The bot’s `docs/settings.md` has every rule.',
    '</details>',
  ].join('\n');
}

function commandsSection(): string {
  const lines = listCommands('github').map((command) => `- \`${command.usage}\`: ${command.summary}`);
  return [
    '<details><summary>Commands</summary>',
    '',
    'Comment one of these on the pull request:',
    '',
    ...lines,
    '</details>',
  ].join('\n');
}
