import { randomInt, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { systemFlags } from '../../../drizzle/schema';
import type { Db } from './database';

const key = 'github_setup_code';
// No 0/O, 1/I/L: the code is read from a log and typed in.
const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/**
 * The one-time code that unlocks the register-the-GitHub-App flow (`/probot`)
 * while the App is not configured. It lives in `system_flags`, so every web
 * replica and `sbx doctor` see the same code; the first process to start
 * makes it, and a completed registration deletes it.
 */
export async function ensureGitHubSetupCode(db: Db): Promise<string> {
  const fresh = Array.from({ length: 12 }, () => alphabet[randomInt(alphabet.length)]).join('').replace(/(.{4})(?!$)/g, '$1-');
  await db.insert(systemFlags).values({ key, value: { code: fresh } }).onConflictDoNothing();
  return (await readGitHubSetupCode(db)) ?? fresh;
}

export async function readGitHubSetupCode(db: Db): Promise<string | null> {
  const [row] = await db.select({ value: systemFlags.value }).from(systemFlags).where(eq(systemFlags.key, key));
  const code = (row?.value as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : null;
}

/** True when `given` is the current code (case, spaces and dashes ignored). */
export async function checkGitHubSetupCode(db: Db, given: string | null): Promise<boolean> {
  const code = await readGitHubSetupCode(db);
  if (!code || !given) return false;
  const normalize = (text: string) => Buffer.from(text.toUpperCase().replace(/[\s-]/g, ''));
  const [a, b] = [normalize(code), normalize(given)];
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function clearGitHubSetupCode(db: Db): Promise<void> {
  await db.delete(systemFlags).where(eq(systemFlags.key, key));
}
