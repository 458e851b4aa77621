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

/** Polls a deployment until it ends, reporting each appserver state change; bounded by `timeoutMs`. */
export async function waitForDeployment(
  { provisioning: { store }, database, config }: CliRuntime,
  deploymentId: number,
  { timeoutMs, activate, progress }: { timeoutMs: number; activate: boolean; progress: (line: string) => void },
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
      if (seen.get(appserver.id) !== appserver.state) {
        seen.set(appserver.id, appserver.state);
        progress(
          `${instance.slug} appserver ${appserver.number}: ${appserver.state}${appserver.failureReason ? ` — ${appserver.failureReason.split('\n')[0]}` : ''}`,
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
