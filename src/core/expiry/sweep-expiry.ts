import type { Instance } from '../model';
import type { Store } from '../ports/store';
import { reportChange } from '../provisioning/report-change';
import { decideExpiry, expiryOf, type ExpiryPolicy } from './expiry-policy';

export interface ExpiryDeps {
  store: Store;
  policy: ExpiryPolicy;
  now(): Date;
}

export interface ExpirySweep {
  /** Sandboxes archived for inactivity. */
  expired: string[];
  /** Sandboxes warned (once per expiry). */
  warned: string[];
}

/**
 * Brings every live sandbox's expiry up to date and acts on it: archives the
 * expired ones (PR sandboxes keep their PR: a push or `/sandbox redeploy`
 * restores them) and warns, once per expiry, those within `warn_before` of
 * it. The surfaces hear of it through `report_instance`. Safe to run twice:
 * each sandbox is decided under its row lock, from its current row.
 */
export async function sweepExpiry(deps: ExpiryDeps): Promise<ExpirySweep> {
  const result: ExpirySweep = { expired: [], warned: [] };
  for (const listed of await deps.store.listInstances()) {
    const outcome = await deps.store.transaction(async (store) => {
      await store.lockInstance(listed.id);
      const instance = await store.getInstance(listed.id);
      return instance ? settleInstance(store, deps, instance) : 'none';
    });
    if (outcome === 'expired') result.expired.push(listed.slug);
    if (outcome === 'warned') result.warned.push(listed.slug);
  }
  return result;
}

async function settleInstance(
  store: Store,
  deps: ExpiryDeps,
  instance: Instance,
): Promise<'none' | 'expired' | 'warned'> {
  // Sleeping is not idling: the TTL clock stands still until it wakes (which moves its last activity and expiry on).
  if (instance.archivedAt || instance.deletedAt || instance.sleepingSince) return 'none';
  const now = deps.now();
  const expiresAt = expiryOf(instance, deps.policy.ttlOf(instance));
  const decision = decideExpiry(instance, deps.policy, now);
  const system = {
    actor: 'expiry',
    surface: 'system',
    instanceId: instance.id,
    instanceSlug: instance.slug,
    result: 'ok',
  } as const;
  if (decision.kind === 'expire') {
    await store.updateInstance(instance.id, { archivedAt: now, expiredAt: now, expiresAt });
    await store.enqueue('archive_instance', { instanceId: instance.id }, { instanceId: instance.id });
    await store.recordAudit({
      ...system,
      action: 'expire',
      detail: { expiresAt: decision.expiresAt.toISOString(), lastActivityAt: instance.lastActivityAt.toISOString() },
    });
    await store.countCleanup('expired');
    await reportChange(store, instance.id, now);
    return 'expired';
  }
  if (decision.kind === 'warn') {
    await store.updateInstance(instance.id, { expiresAt, expiryWarnedFor: decision.expiresAt });
    await store.recordAudit({
      ...system,
      action: 'expiry_warning',
      detail: { expiresAt: decision.expiresAt.toISOString() },
    });
    await store.countCleanup('warned');
    await reportChange(store, instance.id, now);
    return 'warned';
  }
  if ((expiresAt?.getTime() ?? null) !== (instance.expiresAt?.getTime() ?? null)) {
    // Activity moved the expiry (or a TTL was set): the surfaces show the new one.
    await store.updateInstance(instance.id, { expiresAt });
    await reportChange(store, instance.id, now);
  }
  return 'none';
}
