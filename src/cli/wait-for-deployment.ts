import { activationError } from '../infra/db/activation-error';
import { sandboxLinks } from '../config/sandbox-links';
import type { Appserver } from '../core/model';
import { sandboxUrls } from '../core/naming/sandbox-urls';
import type { CliRuntime } from './runtime';

export interface DeploymentOutcome {
  ok: boolean;
  deploymentState: string;
  appserver: Appserver | null;
  summary: string;
}

/** Steps of one appserver's way to serving, for a progress bar: queued, placed, deploying, starting, running, active. */
export function deploySteps(activate: boolean): number {
  return activate ? 5 : 4;
}

function stepOf(appserver: Appserver, active: boolean): { done: number; name: string } {
  switch (appserver.state) {
    case 'new':
      return { done: 0, name: 'queued' };
    case 'waiting':
      return { done: 1, name: 'waiting for a host' };
    case 'configuring':
      return appserver.serviceStartedAt ? { done: 3, name: 'starting, health check' } : { done: 2, name: 'deploying' };
    case 'running':
      return active ? { done: 5, name: 'active' } : { done: 4, name: 'running' };
    default:
      return { done: 0, name: appserver.state };
  }
}

/**
 * Polls a deployment until it ends, reporting each appserver state change
 * (a line, and the step for a progress bar); bounded by `timeoutMs`.
 */
export async function waitForDeployment(
  { provisioning: { store }, database, config }: CliRuntime,
  deploymentId: number,
  {
    timeoutMs,
    activate,
    progress,
  }: { timeoutMs: number; activate: boolean; progress: (line: string, step: { done: number; name: string }) => void },
): Promise<DeploymentOutcome> {
  const deadline = Date.now() + timeoutMs;
  const seen = new Map<number, string>();
  while (Date.now() < deadline) {
    const deployment = await store.getDeployment(deploymentId);
    if (!deployment)
      return { ok: false, deploymentState: 'missing', appserver: null, summary: `deployment ${deploymentId} vanished` };
    const instance = (await store.getInstance(deployment.instanceId))!;
    const appservers = (await store.listAppservers(instance.id)).filter((a) => a.deploymentId === deploymentId);
    for (const appserver of appservers) {
      const step = stepOf(appserver, instance.activeAppserverId === appserver.id);
      const key = `${appserver.state}:${step.name}`;
      if (seen.get(appserver.id) !== key) {
        seen.set(appserver.id, key);
        progress(
          `${instance.slug} appserver ${appserver.number}: ${appserver.state}${appserver.serviceStartedAt && appserver.state === 'configuring' ? ' (service started)' : ''}${appserver.failureReason ? ` — ${appserver.failureReason.split('\n')[0]}` : ''}`,
          { ...step, name: `appserver ${appserver.number}: ${step.name}` },
        );
      }
    }
    const latest = appservers.at(-1) ?? null;
    if (deployment.state === 'failed' || deployment.state === 'cancelled') {
      return {
        ok: false,
        deploymentState: deployment.state,
        appserver: latest,
        summary: `${instance.slug}: deployment ${deployment.state}${latest?.failureReason ? `: ${latest.failureReason}` : ''}`,
      };
    }
    if (deployment.state === 'succeeded' && latest?.state === 'running') {
      const active = instance.activeAppserverId === latest.id;
      if (!activate || active) {
        return {
          ok: true,
          deploymentState: deployment.state,
          appserver: latest,
          summary: `${instance.slug} appserver ${latest.number} is running${active ? ` and active at ${sandboxUrls([instance.domain], sandboxLinks(config)).join('')}` : ''}`,
        };
      }
      const refused = await activationError(database.pool, instance.id, latest.number);
      if (refused)
        return {
          ok: false,
          deploymentState: deployment.state,
          appserver: latest,
          summary: `${instance.slug} appserver ${latest.number} is running but could not be activated: ${refused}`,
        };
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return {
    ok: false,
    deploymentState: 'timeout',
    appserver: null,
    summary: `gave up waiting after ${Math.round(timeoutMs / 1000)}s (the deployment goes on)`,
  };
}
