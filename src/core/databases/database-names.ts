import { createHash } from 'node:crypto';

/** MySQL 8 limits user names to 32 characters; database names (and MongoDB's) to 64. */
const userMax = 32;
const suffixLength = 4;
const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The base every name of one instance's databases starts with: the slug with
 * `_` for `-`, shortened (with a hash of the whole slug) to leave room, and a
 * random suffix, so a sandbox recreated under the same slug (or another bot
 * sharing the server) never meets an older sandbox's data or password.
 * Stored on placement; never derived again. Example: `pr42-app` → `pr42_app_k3f9`.
 */
export function databaseBase(slug: string, random: () => number = Math.random): string {
  const suffix = Array.from({ length: suffixLength }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  return `${fit(slug.replace(/-/g, '_'), userMax - suffixLength - 1)}_${suffix}`;
}

/** The actual name of a declared database (`app` → `pr42_app_k3f9_app`; at most 64 characters with declared names of at most 31). */
export const actualName = (base: string, declared: string): string => `${base}_${declared}`;

function fit(text: string, max: number): string {
  if (text.length <= max) return text;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 6);
  return `${text.slice(0, max - hash.length - 1).replace(/_+$/, '')}_${hash}`;
}

/** Names the bot creates are only ever these characters; anything else is refused before it reaches SQL or a URL. */
export function assertSafeName(name: string): string {
  if (!/^[a-z0-9_]{1,64}$/.test(name)) throw new Error(`unsafe database name ${JSON.stringify(name)}`);
  return name;
}
