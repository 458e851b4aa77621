import { viewReport, type ReportState } from './report-state';

export type DeploymentState = 'queued' | 'in_progress' | 'success' | 'failure' | 'inactive';

/** The status the PR's transient GitHub deployment should show, or null when there is nothing to show. */
export interface DeploymentContent {
  environment: string;
  /** Create a deployment for this commit when the current one is for another (or there is none). */
  sha: string;
  state: DeploymentState;
  environmentUrl: string | null;
  logUrl: string | null;
  description: string;
}

/** `sandbox/pr-42`: the environment GitHub shows as "View deployment". */
export function environmentName(number: number): string {
  return `sandbox/pr-${number}`;
}

/**
 * Maps the report to a deployment status (pure). Only a deploy of the head
 * commit creates a deployment; archiving marks the existing one inactive.
 * A running head appserver that serves the sandbox is `success` only while
 * it answers: down (its uptime probes fail) is `failure`, asleep (stopped
 * after a while without requests; a visit wakes it) is `inactive`. Each goes
 * back to `success` when it answers again or wakes.
 */
export function renderDeployment(state: ReportState): DeploymentContent | null {
  const view = viewReport(state);
  const { record } = state;
  const base = {
    environment: environmentName(record.number),
    sha: record.headSha,
    logUrl: state.statusUrl,
    environmentUrl: null,
  };
  switch (view.phase) {
    case 'deploying':
      return {
        ...base,
        state: 'in_progress',
        description: view.headAppserver ? `appserver ${view.headAppserver.number} deploying` : 'deploy queued',
      };
    case 'running':
      if (view.active?.id === view.headAppserver?.id && state.instance?.downSince)
        return {
          ...base,
          state: 'failure',
          environmentUrl: state.urls[0] ?? null,
          description: `appserver ${view.headAppserver!.number} down: it stopped answering its health check`,
        };
      if (view.active?.id === view.headAppserver?.id && state.instance?.sleepingSince)
        return {
          ...base,
          state: 'inactive',
          environmentUrl: state.urls[0] ?? null,
          description: `appserver ${view.headAppserver!.number} asleep; a visit wakes it`,
        };
      return view.active?.id === view.headAppserver?.id
        ? {
            ...base,
            state: 'success',
            environmentUrl: state.urls[0] ?? null,
            description: `appserver ${view.headAppserver!.number} running`,
          }
        : {
            ...base,
            state: 'success',
            environmentUrl: state.urls[0] ?? null,
            description: `appserver ${view.headAppserver!.number} running, not active`,
          };
    case 'failed':
      return { ...base, state: 'failure', description: `appserver ${view.headAppserver!.number} failed` };
    case 'archived':
    case 'closed':
      return record.deploymentId
        ? { ...base, sha: record.deploymentSha ?? record.headSha, state: 'inactive', description: 'sandbox archived' }
        : null;
    default:
      return null;
  }
}
