import { unfinishedStates } from '../../../core/appserver-state';
import type { Appserver, Deployment, Instance } from '../../../core/model';
import type { PullRequestRecord } from '../../../core/ports/pull-requests';
import type { RepositoryPolicy } from '../../../core/pull-requests/policy';
import type { SettingsError } from '../../../core/settings';

/** Everything the GitHub report of one pull request shows, read at once. */
export interface ReportState {
  record: PullRequestRecord;
  repository: RepositoryPolicy | null;
  instance: Instance | null;
  /** Newest first. */
  appservers: Appserver[];
  /** Newest first. */
  deployments: Deployment[];
  /** Browser URLs of the sandbox's domains, main domain first. */
  urls: string[];
  statusUrl: string | null;
  /** Last lines of the deploy log of the head commit's failed appserver. */
  logTail: string | null;
  now: Date;
}

/** A running appserver waits this long for its activation before the report calls it running but inactive. */
export const activationGraceMs = 2 * 60_000;

/** What the sandbox of the PR's head commit is doing, for the check run, the deployment and the comment. */
export type ReportPhase =
  | 'waiting_approval'
  | 'waiting_isolation'
  | 'waiting_draft'
  | 'waiting_slug'
  | 'waiting_quota'
  | 'settings_error'
  | 'deploying'
  | 'running'
  | 'failed'
  | 'cancelled'
  | 'not_deployed'
  | 'archived'
  | 'closed';

export interface ReportView {
  phase: ReportPhase;
  /** The newest appserver built from the head commit. */
  headAppserver: Appserver | null;
  active: Appserver | null;
  /** The newest running appserver when it is not the active one (the Activate button). */
  activateCandidate: Appserver | null;
  settingsErrors: SettingsError[];
}

/** Decides the phase of the head commit's sandbox (pure). */
export function viewReport(state: ReportState): ReportView {
  const { record, instance, appservers, deployments } = state;
  const active = appservers.find((a) => a.id === instance?.activeAppserverId) ?? null;
  const newestRunning = appservers.find((a) => a.state === 'running') ?? null;
  const activateCandidate =
    newestRunning && newestRunning.id !== active?.id && (!active || newestRunning.number > active.number)
      ? newestRunning
      : null;
  const headAppserver = appservers.find((a) => a.commitSha === record.headSha) ?? null;
  const settingsErrors = (instance?.settingsErrors ?? []) as SettingsError[];
  const view = (phase: ReportPhase): ReportView => ({
    phase,
    headAppserver,
    active,
    activateCandidate,
    settingsErrors,
  });

  if (record.state === 'closed') return view('closed');
  if (!instance && record.waiting === 'slug') return view('waiting_slug');
  if (!instance) return view('not_deployed');
  if (record.waiting === 'approval') return view('waiting_approval');
  if (record.waiting === 'isolation') return view('waiting_isolation');
  if (record.waiting === 'quota' && record.waitingQuota) return view('waiting_quota');
  const open =
    deployments.find((d) => d.commitSha === record.headSha && (d.state === 'pending' || d.state === 'running')) ?? null;
  // A pull request turned back into a draft keeps showing the sandbox it already has.
  if (record.waiting === 'draft' && !headAppserver && !open) return view('waiting_draft');
  if (settingsErrors.length) return view('settings_error');
  if (instance.archivedAt) return view('archived');
  // A newer request for the head commit than the appserver shown: its appserver is on the way.
  if (open && (!headAppserver || (headAppserver.deploymentId ?? 0) < open.id)) return view('deploying');
  if (!headAppserver) return view('not_deployed');
  if (unfinishedStates.includes(headAppserver.state)) return view('deploying');
  if (headAppserver.state === 'running')
    return view(awaitingActivation(state, headAppserver, active) ? 'deploying' : 'running');
  // A failed attempt with attempts left is still deploying.
  if (open) return view('deploying');
  if (headAppserver.state === 'failed' || headAppserver.state === 'error') return view('failed');
  if (headAppserver.state === 'cancelled') return view('cancelled');
  return view('not_deployed');
}

/** Running, meant to be activated, not yet routed to (briefly, between the health check and the switch). */
function awaitingActivation(state: ReportState, head: Appserver, active: Appserver | null): boolean {
  if (active?.id === head.id || head.activatedAt || !head.readyAt) return false;
  const deployment = state.deployments.find((d) => d.id === head.deploymentId);
  return Boolean(deployment?.activateOnSuccess) && state.now.getTime() - head.readyAt.getTime() < activationGraceMs;
}

/** `12s`, `3m 5s`: how long an appserver took from creation to running (or to now). */
export function deployDuration(appserver: Appserver, now: Date): number {
  const end = appserver.readyAt ?? appserver.finishedAt ?? now;
  return Math.max(0, end.getTime() - appserver.createdAt.getTime());
}
