import { formatDuration } from '../../duration';
import { SandboxError } from '../../errors';
import { expiryOf } from '../../expiry/expiry-policy';
import { sandboxFacts, targetOf } from './shared';
import type { Runner } from './types';

/**
 * Keeps the sandbox alive longer: its expiry moves `duration` past the later
 * of now and its current expiry, at most `expiry.max_extension` ahead of now.
 * Example: expiring in 2 days, `extend 3d` → expiring in 5 days.
 */
export const extend: Runner<'extend'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  const { command, actor } = request;
  if (instance.archivedAt)
    throw new SandboxError('conflict', `${instance.slug} is archived; redeploy it to bring it back`);
  if (instance.pinned)
    throw new SandboxError('conflict', `${instance.slug} is pinned and never expires; nothing to extend`);
  if (instance.production)
    throw new SandboxError(
      'conflict',
      `${instance.slug} is a production instance and never expires; nothing to extend`,
    );
  const ttlMs = deps.expiry.ttlOf(instance);
  if (ttlMs === null)
    throw new SandboxError(
      'conflict',
      `${instance.slug} never expires (its repository sets no ${instance.kind === 'manual' ? 'manual_ttl' : 'ttl'}); nothing to extend`,
    );
  const now = deps.now();
  const current = expiryOf(instance, ttlMs)!;
  const expiresAt = new Date(Math.max(current.getTime(), now.getTime()) + command.durationMs);
  const latest = new Date(now.getTime() + deps.expiry.maxExtensionMs);
  if (expiresAt > latest) {
    throw new SandboxError(
      'usage',
      `a sandbox can be kept at most ${formatDuration(deps.expiry.maxExtensionMs)} ahead (until ${latest.toISOString().slice(0, 16).replace('T', ' ')} UTC, expiry.max_extension); extending ${instance.slug} by ${command.duration} would go past it`,
    );
  }
  await deps.store.transaction(async (store) => {
    await store.updateInstance(instance.id, { expiresAt, lastActivityAt: now });
    await store.recordAudit({
      actor: actor.id,
      surface: actor.surface,
      action: 'extend',
      instanceId: instance.id,
      instanceSlug: instance.slug,
      result: 'ok',
      detail: { duration: command.duration, expiresAt: expiresAt.toISOString() },
    });
    await store.countCleanup('extended');
  });
  return { name: 'extend', sandbox: sandboxFacts(instance, deps.links), duration: command.duration, expiresAt };
};
