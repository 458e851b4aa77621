import type { Instance } from '../model';

/** How long sandboxes may stay idle, from sandbox.yml (built by src/infra/expiry-policy.ts). */
export interface ExpiryPolicy {
  /** The sandbox's TTL in ms (its repository's `ttl`, or `manual_ttl` for a manual sandbox); null: it never expires. */
  ttlOf(instance: Instance): number | null;
  /** How long before the expiry the warning goes out. */
  warnBeforeMs: number;
  /** Furthest ahead of now an extension may move the expiry. */
  maxExtensionMs: number;
}

/** What the expiry sweep does with one sandbox now. */
export type ExpiryDecision = { kind: 'none' } | { kind: 'warn'; expiresAt: Date } | { kind: 'expire'; expiresAt: Date };

/**
 * The sandbox's expiry (pure): the later of its last activity plus its TTL
 * and the expiry an extension set; null when it never expires (no TTL,
 * pinned, a production instance, archived or deleted). Example: last activity Monday 10:00, TTL 7d,
 * extended until Tuesday next week → Tuesday next week.
 */
export function expiryOf(instance: Instance, ttlMs: number | null): Date | null {
  if (ttlMs === null || instance.pinned || instance.production || instance.archivedAt || instance.deletedAt)
    return null;
  const idle = instance.lastActivityAt.getTime() + ttlMs;
  return new Date(Math.max(idle, instance.expiresAt?.getTime() ?? 0));
}

/** Expire once the expiry passed; warn once per expiry when it is within `warnBeforeMs`. */
export function decideExpiry(instance: Instance, policy: ExpiryPolicy, now: Date): ExpiryDecision {
  const expiresAt = expiryOf(instance, policy.ttlOf(instance));
  if (!expiresAt) return { kind: 'none' };
  if (expiresAt <= now) return { kind: 'expire', expiresAt };
  const warned = instance.expiryWarnedFor !== null && instance.expiryWarnedFor.getTime() >= expiresAt.getTime();
  if (!warned && expiresAt.getTime() - policy.warnBeforeMs <= now.getTime()) return { kind: 'warn', expiresAt };
  return { kind: 'none' };
}

/** Whether the sandbox has been warned about the expiry it has now (surfaces show the warning then). */
export function isExpiryWarned(
  instance: Pick<Instance, 'expiresAt' | 'expiryWarnedFor' | 'pinned' | 'archivedAt'>,
): boolean {
  return (
    !instance.pinned &&
    !instance.archivedAt &&
    instance.expiresAt !== null &&
    instance.expiryWarnedFor !== null &&
    instance.expiryWarnedFor.getTime() >= instance.expiresAt.getTime()
  );
}
