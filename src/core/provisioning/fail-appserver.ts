import type { Appserver } from '../model';
import type { ProvisioningDeps } from './deps';
import { nextAttempt } from './next-attempt';
import { reportChange } from './report-change';

/**
 * Moves an appserver to `failed` or `error` with a reason, then tries the
 * deployment's next attempt (or records it failed), then reports: one report
 * that reads where the deployment ended, instead of one read between the two.
 */
export async function failAppserver(
  deps: ProvisioningDeps,
  appserver: Appserver,
  state: 'failed' | 'error',
  reason: string,
): Promise<void> {
  const failed = await deps.store.transitionAppserver(appserver.id, appserver.state, state, {
    failureReason: reason,
    finishedAt: deps.now(),
  });
  if (!failed) return;
  deps.logger.warn({ appserver: appserver.id, state, reason }, 'appserver did not come up');
  try {
    if (appserver.deploymentId !== null)
      await nextAttempt(deps, { id: appserver.deploymentId, instanceId: appserver.instanceId });
  } finally {
    await reportChange(deps.store, appserver.instanceId, deps.now());
  }
}
