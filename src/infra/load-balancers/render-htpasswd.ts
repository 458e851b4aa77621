import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SandboxError } from '../../core/errors';
import type { BasicCredentials } from '../../core/ports/load-balancer';

/**
 * One htpasswd line in nginx's `{SSHA}` scheme (salted SHA-1:
 * base64(sha1(password + salt) + salt)), which nginx verifies itself on every
 * platform, unlike crypt(3) schemes that depend on the C library. Example:
 * `sbx-3f9a1c:{SSHA}q0f0…==`.
 */
export function renderHtpasswd(credentials: BasicCredentials, salt: Buffer = randomBytes(8)): string {
  if (!/^[^\s:\p{Cc}]+$/u.test(credentials.user) || /[\r\n\p{Cc}]/u.test(credentials.password)) {
    throw new SandboxError(
      'usage',
      'basic auth credentials: the user may not hold spaces, colons or control characters, the password no control characters',
    );
  }
  return `${credentials.user}:{SSHA}${Buffer.concat([sha1(credentials.password, salt), salt]).toString('base64')}\n`;
}

/** Whether an htpasswd file written by `renderHtpasswd` holds exactly these credentials (so it need not be rewritten). */
export function htpasswdAccepts(content: string, credentials: BasicCredentials): boolean {
  const match = /^([^:\n]+):\{SSHA\}([A-Za-z0-9+/=]+)\n$/.exec(content);
  if (!match || match[1] !== credentials.user) return false;
  const decoded = Buffer.from(match[2]!, 'base64');
  if (decoded.length <= 20) return false;
  return timingSafeEqual(decoded.subarray(0, 20), sha1(credentials.password, decoded.subarray(20)));
}

function sha1(password: string, salt: Buffer): Buffer {
  return createHash('sha1').update(password, 'utf8').update(salt).digest();
}
