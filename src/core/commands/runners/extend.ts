import { formatDuration, parseDuration } from '../../duration';
import { SandboxError } from '../../errors';
import { sandboxFacts, targetOf } from './shared';
import type { Runner } from './types';

/** Longest extension at once. */
export const maxExtendMs = parseDuration('90d');

/** Keeps the sandbox alive longer: its expiry moves to `duration` from now (or from its expiry, when that is later). */
export const extend: Runner<'extend'> = async (deps, request) => {
  const instance = await targetOf(deps, request);
  const { command, actor } = request;
  if (command.durationMs > maxExtendMs) throw new SandboxError('usage', `extend by at most ${formatDuration(maxExtendMs)} at a time, not ${command.duration}`);
  const now = deps.now();
  const expiresAt = new Date(Math.max(now.getTime(), instance.expiresAt?.getTime() ?? 0) + command.durationMs);
  await deps.store.transaction(async (store) => {
    await store.updateInstance(instance.id, { expiresAt, lastActivityAt: now });
    await store.recordAudit({ actor: actor.id, surface: actor.surface, action: 'extend', instanceId: instance.id, instanceSlug: instance.slug, result: 'ok', detail: { duration: command.duration, expiresAt: expiresAt.toISOString() } });
  });
  return { name: 'extend', sandbox: sandboxFacts(instance, deps.links), duration: command.duration, expiresAt };
};
