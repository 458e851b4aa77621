import type { Instance } from '../../model';
import type { PullRequestRecord } from '../../ports/pull-requests';
import type { Store } from '../../ports/store';
import { approvalCovers } from '../../pull-requests/policy';
import { authorOf } from '../../quotas/find-quota-breach';
import { goLiveWithinQuota, holdsQuotaSlot, overQuotaError } from '../../quotas/within-quota';
import type { CommandDeps } from './types';

/**
 * Runs `goLive` (a deploy or restore) for a sandbox that holds no quota slot
 * yet, or throws `over_quota` naming the quota, its holders and how to free
 * a slot: the same refusal from every surface. A live sandbox redeploys
 * freely; a PR whose head commit a maintainer approved may exceed the quota.
 */
export async function deployWithinQuota<T>(
  deps: CommandDeps,
  instance: Instance,
  record: PullRequestRecord | null,
  goLive: (store: Store) => Promise<T>,
): Promise<T> {
  const configured = instance.prRepo ? (deps.quotas?.(instance.prRepo) ?? null) : null;
  // No limit set: nothing to look up (this runs before a Slack acknowledgement).
  const limits = configured && (configured.perAuthor !== null || configured.perRepository !== null) ? configured : null;
  const exempt =
    !limits ||
    (record !== null && approvalCovers(instance, record.headSha)) ||
    (await holdsQuotaSlot(deps.store, instance));
  const outcome = await goLiveWithinQuota(
    deps.store,
    {
      instanceId: instance.id,
      kind: instance.kind,
      author: authorOf(instance) ?? '',
      repository: instance.prRepo ?? '',
    },
    exempt ? null : limits,
    goLive,
  );
  if (!outcome.ok) throw overQuotaError(outcome.breach, instance.kind);
  return outcome.value;
}
