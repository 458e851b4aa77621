import { formatDuration } from '../../../core/duration';
import type { Appserver } from '../../../core/model';
import { deployDuration, viewReport, type ReportState } from './report-state';
import { codeBlock, describeErrors, describeQuotaWait } from './render-text';

export type CheckRunConclusion = 'success' | 'failure' | 'neutral' | 'cancelled';

/** What the `sandbox` check run on the head commit shows. */
export interface CheckRunContent {
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: CheckRunConclusion | null;
  title: string;
  summary: string;
  text: string | null;
  actions: { label: string; description: string; identifier: 'redeploy' | 'activate' | 'archive' }[];
  detailsUrl: string | null;
}

export const checkRunName = 'sandbox';

/** Renders the check run of the head commit from the report state (pure). */
export function renderCheckRun(state: ReportState, now: Date): CheckRunContent {
  const view = viewReport(state);
  const { urls, statusUrl } = state;
  const head = view.headAppserver;
  const base = { text: null, actions: actions(state), detailsUrl: statusUrl };
  const done = (
    conclusion: CheckRunConclusion,
    title: string,
    summary: string,
    text: string | null = null,
  ): CheckRunContent => ({ ...base, status: 'completed', conclusion, title, summary, text });
  const pending = (status: 'queued' | 'in_progress', title: string, summary: string): CheckRunContent => ({
    ...base,
    status,
    conclusion: null,
    title,
    summary,
  });

  switch (view.phase) {
    case 'waiting_approval':
      return pending(
        'queued',
        'Waiting for approval',
        'A maintainer can comment `/sandbox approve` to deploy this pull request.',
      );
    case 'waiting_isolation':
      return pending(
        'queued',
        'Not deployed: fork pull request',
        'Sandbox code would run as the bot’s own user on this host, so fork pull requests are not deployed unless the repository sets `trigger.allow_forks_unisolated`.',
      );
    case 'waiting_slug':
      return pending(
        'queued',
        'Not deployed: sandbox name taken',
        'Its sandbox name is reserved (`www`, the bot’s own host name, `naming.reserved_slugs`), or another sandbox has it or serves one of its domains (a manual `studio-<name>` takes the Studio domain of `<name>`). An administrator can delete that sandbox or change `naming.slug_template` in sandbox.yml; the next push creates this one.',
      );
    case 'waiting_quota':
      return pending('queued', 'Waiting: over quota', describeQuotaWait(state.record.waitingQuota!));
    case 'waiting_draft':
      return pending('queued', 'Waiting: draft', 'Draft pull requests get a sandbox once they are ready for review.');
    case 'settings_error':
      return done(
        'failure',
        'Settings error: nothing deployed',
        `The **Settings** block in the description has a problem, so nothing was deployed${view.active ? `; appserver ${view.active.number} keeps serving` : ''}.\n\n${describeErrors(view.settingsErrors)}`,
      );
    case 'deploying':
      return pending(
        'in_progress',
        !head
          ? 'Deploy queued'
          : head.state === 'running'
            ? `Activating appserver ${head.number}`
            : `Deploying appserver ${head.number} (${head.state})`,
        `Deploying \`${state.record.headSha.slice(0, 7)}\`. The deploy log is on the [status page](${statusUrl ?? ''}).`,
      );
    case 'running':
      if (view.active?.id === head!.id && state.instance?.downSince)
        return done(
          'failure',
          `Down: ${urls[0] ?? 'its domain'} stopped answering`,
          `Appserver ${head!.number} stopped answering its health check through the load balancer (since ${utc(state.instance.downSince)} UTC). This is updated when it answers again; \`/sandbox redeploy\` starts a fresh appserver.`,
        );
      if (view.active?.id === head!.id && state.instance?.sleepingSince)
        return done(
          'success',
          `Asleep at ${urls[0] ?? 'its domain'}`,
          `Appserver ${head!.number} was stopped after a while without requests (since ${utc(state.instance.sleepingSince)} UTC). The next request wakes it: a "waking up" page shows while it starts.`,
        );
      return done(
        'success',
        `Running at ${urls[0] ?? 'its domain'}`,
        runningSummary(state, head!, view.active?.id === head!.id, now),
      );
    case 'failed':
      return done(
        'failure',
        `Appserver ${head!.number} failed`,
        `${head!.failureReason?.split('\n')[0] ?? 'The deploy failed.'}\n\nThe whole log is on the [status page](${statusUrl ?? ''}).`,
        state.logTail ? `Last lines of the deploy log:\n\n${codeBlock(state.logTail)}` : null,
      );
    case 'cancelled':
      return done(
        'cancelled',
        `Appserver ${head!.number} cancelled`,
        'The deploy of this commit was cancelled. `/sandbox redeploy` starts another.',
      );
    case 'archived':
      return done(
        'neutral',
        'Archived',
        'The sandbox is archived (its data is kept). `/sandbox redeploy` brings it back.',
      );
    case 'closed':
      return done(
        'neutral',
        'Pull request closed',
        'The sandbox is archived when the pull request closes; reopening brings it back.',
      );
    case 'not_deployed':
      return done(
        'neutral',
        'Not deployed',
        state.repository?.onPush === 'ignore'
          ? 'New commits are not deployed in this repository (`on_push: ignore`); comment `/sandbox redeploy` to deploy this one.'
          : 'Comment `/sandbox redeploy` to deploy this commit.',
      );
  }
}

function runningSummary(state: ReportState, head: Appserver, active: boolean, now: Date): string {
  const lines = [
    `Appserver ${head.number} runs \`${state.record.headSha.slice(0, 7)}\`${active ? ' and serves the sandbox' : ', but is not the active one: press **Activate** to switch to it'}.`,
    '',
    ...state.urls.map((url) => `- ${url}`),
    '',
    `Deployed in ${formatDuration(deployDuration(head, now))}.`,
  ];
  return lines.join('\n');
}

function actions(state: ReportState): CheckRunContent['actions'] {
  const view = viewReport(state);
  if (
    view.phase === 'closed' ||
    view.phase === 'waiting_approval' ||
    view.phase === 'waiting_isolation' ||
    view.phase === 'waiting_draft' ||
    view.phase === 'waiting_slug' ||
    view.phase === 'waiting_quota'
  )
    return [];
  const list: CheckRunContent['actions'] = [
    { label: 'Redeploy', description: 'Deploy this commit in a new appserver', identifier: 'redeploy' },
  ];
  if (view.activateCandidate)
    list.push({
      label: `Activate ${view.activateCandidate.number}`.slice(0, 20),
      description: 'Route the sandbox to the newest appserver',
      identifier: 'activate',
    });
  if (state.instance && !state.instance.archivedAt)
    list.push({ label: 'Archive', description: 'Stop the sandbox and keep its data', identifier: 'archive' });
  return list;
}

function utc(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}
