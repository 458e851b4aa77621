import { minSecretLength } from '../redact';
import { isSecretName, urlUserinfo } from '../secret-names';
import { isSettingsMap, type SettingsValue } from './types';

/** Key patterns whose values are secrets: a PR may not set them, and logs redact their values. */
export const secretKeyPatterns: readonly string[] = [
  'PASSWORD',
  '*_PASSWORD',
  '*_PASSWD',
  '*_PASS',
  'SECRET',
  'SECRET_*',
  '*_SECRET*',
  'TOKEN',
  '*_TOKEN',
  '*_TOKENS',
  '*_KEY',
  '*_KEY_ID',
  '*_API_KEY*',
  '*_ACCESS_KEY*',
  '*_PRIVATE_KEY*',
  'CREDENTIALS',
  '*_CREDENTIAL',
  '*_CREDENTIALS',
];

/** Key patterns that point a deploy at other machines or change how the recipes connect to them. */
export const connectionKeyPatterns: readonly string[] = ['ansible_*', '*_HOST', '*_HOSTS', 'SSH_*', '*_SSH', '*_SSH_*'];

/** The built-in deny-list; the configuration adds patterns globally and per repository. */
export const defaultDenyPatterns: readonly string[] = [...secretKeyPatterns, ...connectionKeyPatterns];

/**
 * Glob match, case-insensitive: `*` is any run of characters, `?` one character.
 * Greedy with a single backtrack point, so it never takes more than
 * O(pattern × text) steps (no regular expressions built from config).
 */
export function matchesGlob(pattern: string, text: string): boolean {
  return matchLowercaseGlob(pattern.toLowerCase(), text.toLowerCase());
}

function matchLowercaseGlob(p: string, t: string): boolean {
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi += 1;
      ti += 1;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi;
      pi += 1;
      mark = ti;
    } else if (star !== -1) {
      pi = star + 1;
      mark += 1;
      ti = mark;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi += 1;
  return pi === p.length;
}

/** Finds the pattern that denies a key (`name` at `path`), or null; see `findDenyingPattern`. */
export type DenyMatcher = (name: string, path: string) => string | null;

/** Prepares a deny-list once for many keys (patterns lowercased up front). */
export function makeDenyMatcher(patterns: readonly string[]): DenyMatcher {
  const compiled = patterns.map((pattern) => ({
    pattern,
    test: compileGlob(pattern.toLowerCase()),
    onPath: pattern.includes('.'),
  }));
  return (name, path) => {
    const lowerName = name.toLowerCase();
    let lowerPath: string | undefined;
    for (const entry of compiled) {
      if (entry.test(entry.onPath ? (lowerPath ??= path.toLowerCase()) : lowerName)) return entry.pattern;
    }
    return null;
  };
}

// Most deny patterns are `*_SUFFIX` or `PREFIX_*`: plain string tests are enough for them.
function compileGlob(lower: string): (text: string) => boolean {
  const stars = lower.split('*').length - 1;
  if (!lower.includes('?')) {
    if (stars === 0) return (text) => text === lower;
    if (stars === 1 && lower.startsWith('*')) return (text) => text.endsWith(lower.slice(1));
    if (stars === 1 && lower.endsWith('*')) return (text) => text.startsWith(lower.slice(0, -1));
  }
  return (text) => matchLowercaseGlob(lower, text);
}

/**
 * The first pattern that denies a key, or null. A pattern with a dot is matched
 * against the key's dotted path (`EDXAPP_FEATURES.*`); any other pattern against
 * the key's own name, at any depth.
 */
export function findDenyingPattern(name: string, path: string, patterns: readonly string[]): string | null {
  return makeDenyMatcher(patterns)(name, path);
}

/**
 * True when a settings key holds a secret, by its normalised name (see
 * `isSecretName`: `DB_PASSWORD`, `dbPassword`, `PASSWD`, `APIKEY`,
 * `SENTRY_DSN`, …) or because it matches one of `extraPatterns` (the
 * repository's `secret_settings`, names or globs, case-insensitive).
 */
export function isSecretKey(key: string, extraPatterns: readonly string[] = []): boolean {
  return isSecretName(key) || extraPatterns.some((pattern) => matchesGlob(pattern, key));
}

/** True when a value must not leave the bot: it sits under a secret key, or it is a URL with a password or user in it. */
export function isSecretValue(value: SettingsValue): boolean {
  return typeof value === 'string' && urlUserinfo(value) !== null;
}

/**
 * Every value held under a secret key, anywhere in the settings (all scalars
 * below it when the value is a mapping or list), and the password of every
 * URL value, as strings, unique, longest first; values shorter than the
 * redactor's `minSecretLength` are left out (logs still hide them after
 * their name: `password=ab`).
 */
export function collectSecretValues(settings: SettingsValue, extraPatterns: readonly string[] = []): string[] {
  const found = new Set<string>();
  const pending: Array<{ value: SettingsValue; secret: boolean }> = [{ value: settings, secret: false }];
  while (pending.length > 0) {
    const { value, secret } = pending.pop() as { value: SettingsValue; secret: boolean };
    if (Array.isArray(value)) {
      for (const item of value) pending.push({ value: item, secret });
    } else if (isSettingsMap(value)) {
      for (const [key, child] of Object.entries(value))
        pending.push({ value: child, secret: secret || isSecretKey(key, extraPatterns) });
    } else if (secret && (typeof value === 'string' || typeof value === 'number')) {
      const text = String(value);
      if (text.length >= minSecretLength) found.add(text);
    } else if (typeof value === 'string') {
      const password = urlUserinfo(value)?.password;
      if (password && password.length >= minSecretLength)
        for (const form of [password, safeDecode(password)]) found.add(form);
    }
  }
  return [...found].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
