import { SandboxError } from '../errors';
import type { Instance } from '../model';
import type { Store } from '../ports/store';
import { findQuotaBreach, type QuotaCandidate } from './find-quota-breach';
import { describeHolders, describeQuota, type QuotaBreach, type QuotaLimits } from './quota-breach';

/** Whether a sandbox already holds a quota slot (live and deployed once), so redeploying it takes no new one. */
export async function holdsQuotaSlot(store: Store, instance: Instance): Promise<boolean> {
  if (instance.archivedAt || instance.deletedAt) return false;
  return (await store.listDeployments(instance.id)).length > 0;
}

/**
 * Runs `goLive` (the deployment or restore that makes a sandbox live) only
 * when the candidate fits its quotas, deciding and going live in one
 * transaction under the quota lock; otherwise returns the breach and does
 * nothing. No limits: `goLive` runs at once.
 */
export async function goLiveWithinQuota<T>(
  store: Store,
  candidate: QuotaCandidate,
  limits: QuotaLimits | null | undefined,
  goLive: (store: Store) => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; breach: QuotaBreach }> {
  if (!limits || (limits.perAuthor === null && limits.perRepository === null))
    return { ok: true, value: await goLive(store) };
  return store.transaction(async (tx) => {
    await tx.lockQuotas();
    const breach = await findQuotaBreach(tx, candidate, limits);
    if (breach) return { ok: false, breach };
    return { ok: true, value: await goLive(tx) };
  });
}

/** The refusal every surface shows for a full quota: which quota, who holds it, how to free a slot. */
export function overQuotaError(breach: QuotaBreach, kind: Instance['kind']): SandboxError {
  const free =
    kind === 'pr'
      ? 'free a slot with `/sandbox archive` on one of them, or a maintainer can comment `/sandbox approve` on this pull request to exceed it'
      : 'free a slot by archiving one of them (`archive <sandbox>`)';
  return new SandboxError(
    'over_quota',
    `over ${describeQuota(breach)}, held by ${describeHolders(breach.holders)}; ${free}`,
  );
}
