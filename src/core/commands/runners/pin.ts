import { SandboxError } from '../../errors';
import { expiryOf } from '../../expiry/expiry-policy';
import { sandboxFacts, targetOf } from './shared';
import type { Runner } from './types';

/** Exempts the sandbox from expiry until it is unpinned (maintainers only). */
export const pin: Runner<'pin'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  const sandbox = sandboxFacts(instance, deps.links);
  if (instance.deletedAt) throw new SandboxError('conflict', `${instance.slug} is deleted`);
  if (instance.pinned) return { name: 'pin', sandbox, alreadyPinned: true };
  await deps.store.transaction(async (store) => {
    await store.updateInstance(instance.id, { pinned: true, expiresAt: null, expiryWarnedFor: null });
    await store.recordAudit({
      actor: request.actor.id,
      surface: request.actor.surface,
      action: 'pin',
      instanceId: instance.id,
      instanceSlug: instance.slug,
      result: 'ok',
    });
  });
  return { name: 'pin', sandbox, alreadyPinned: false };
};

/** Lets the sandbox expire again, a full TTL from now (maintainers only). */
export const unpin: Runner<'unpin'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  const sandbox = sandboxFacts(instance, deps.links);
  const now = deps.now();
  const unpinned = { ...instance, pinned: false, lastActivityAt: now, expiresAt: null };
  const expiresAt = expiryOf(unpinned, deps.expiry.ttlOf(instance));
  if (!instance.pinned) return { name: 'unpin', sandbox, wasPinned: false, expiresAt: instance.expiresAt };
  await deps.store.transaction(async (store) => {
    await store.updateInstance(instance.id, { pinned: false, lastActivityAt: now, expiresAt, expiryWarnedFor: null });
    await store.recordAudit({
      actor: request.actor.id,
      surface: request.actor.surface,
      action: 'unpin',
      instanceId: instance.id,
      instanceSlug: instance.slug,
      result: 'ok',
      detail: { expiresAt: expiresAt?.toISOString() ?? null },
    });
  });
  return { name: 'unpin', sandbox, wasPinned: true, expiresAt };
};
