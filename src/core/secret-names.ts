/**
 * Which setting and variable names hold secrets. Names are compared
 * normalised (lowercase, `_`, `-` and `.` removed), so `DB_PASSWORD`,
 * `dbPassword` and `DBPASSWORD` are one name.
 */

/** A name that contains one of these (normalised) holds a secret: `DBPASSWORD`, `GITHUB_TOKEN`, `APIKEY`. */
const secretSubstrings = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'credential',
  'authorization',
  'dsn',
] as const;

/**
 * A name whose last word is one of these holds a secret: `DB_PASS`,
 * `SEGMENT_KEY`, `BASIC_AUTH`. Only the last word, so `AUTHOR`,
 * `AUTH_TYPE`, `KEYBOARD_LAYOUT` and `PASS_THROUGH` stay visible.
 */
const secretLastWords = new Set(['pass', 'pwd', 'key', 'auth', 'pin']);

/** Lowercase, without the separators `_`, `-`, `.` and surrounding quotes. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[_.\-'"]/g, '');
}

/** The name's words: split at separators and at lower→upper case changes (`dbPassword` → db, password). */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** True when a setting or variable name looks like it holds a secret (see the lists above; `*_KEY_ID` too). */
export function isSecretName(name: string): boolean {
  const normalized = normalizeName(name);
  if (normalized.length === 0) return false;
  if (secretSubstrings.some((part) => normalized.includes(part))) return true;
  const parts = words(name);
  const last = parts.at(-1);
  if (last === undefined) return false;
  // A lone `PWD` is the shell's working directory, not a password.
  if (last === 'pwd') return parts.length > 1;
  if (secretLastWords.has(last)) return true;
  return last === 'id' && parts.at(-2) === 'key';
}

/**
 * The user information of a URL written in a value (`postgres://app:pw@db/app`),
 * or null. Only `scheme://user:password@` and `scheme://user@` forms count.
 */
export function urlUserinfo(value: string): { user: string; password: string | null } | null {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^\s/@?#]*)@/i.exec(value.trim());
  if (!match || !match[1]) return null;
  const userinfo = match[1];
  const colon = userinfo.indexOf(':');
  return colon === -1
    ? { user: userinfo, password: null }
    : { user: userinfo.slice(0, colon), password: userinfo.slice(colon + 1) };
}

/** The value with its URL password (or, without a password, its whole user information) replaced by `***`. */
export function maskUrlUserinfo(value: string): string {
  return value.replace(/^(\s*[a-z][a-z0-9+.-]*:\/\/)([^\s/@?#]*)@/i, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}
