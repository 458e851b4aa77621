import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring values for cookies: `base64url(json).base64url(hmac)`.
 * Each purpose ("session", "oauth") gets its own key derived from the one
 * secret, so a value made for one purpose never verifies for another.
 */
export interface SignedValues {
  seal(purpose: string, value: object, ttlMs: number): string;
  open<T extends object>(purpose: string, text: string | undefined): T | null;
  /** HMAC of `data` under the purpose's key (for tokens derived from a session). */
  mac(purpose: string, data: string): string;
}

export function createSignedValues(secret: string, now: () => number = Date.now): SignedValues {
  const keyFor = (purpose: string) => createHmac('sha256', secret).update(`sandbox-bot:${purpose}`).digest();
  const mac = (purpose: string, data: string) => createHmac('sha256', keyFor(purpose)).update(data).digest('base64url');
  return {
    seal(purpose, value, ttlMs) {
      const body = Buffer.from(JSON.stringify({ ...value, exp: now() + ttlMs })).toString('base64url');
      return `${body}.${mac(purpose, body)}`;
    },
    open<T extends object>(purpose: string, text: string | undefined): T | null {
      if (!text) return null;
      const dot = text.indexOf('.');
      if (dot <= 0) return null;
      const body = text.slice(0, dot);
      if (!sameText(text.slice(dot + 1), mac(purpose, body))) return null;
      try {
        const value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { exp?: unknown };
        if (typeof value !== 'object' || value === null || typeof value.exp !== 'number' || value.exp < now())
          return null;
        return value as T;
      } catch {
        return null;
      }
    },
    mac,
  };
}

/** Constant-time comparison of two strings. */
export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export const randomToken = (bytes = 24): string => randomBytes(bytes).toString('base64url');
