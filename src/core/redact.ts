import { isSecretName } from './secret-names';

/**
 * Known secret values shorter than this are not replaced everywhere (replacing
 * "a" or "true" everywhere would destroy logs, not protect them); they are
 * still hidden after a secret name (`password=ab`), like any value there.
 */
export const minSecretLength = 4;

export const redactedText = '***';

export interface Redactor {
  /**
   * Hides secrets in one or more whole lines: every known secret value of
   * `minSecretLength` or more, every value written after a secret-looking
   * name (`DB_PASSWORD=x`, `"token": "x"`, `Authorization: Bearer x`), and
   * the password of every URL (`postgres://app:***@db`). No rule reaches
   * across a line break, so redacting line by line equals redacting the whole.
   */
  redact(text: string): string;
  /** Length of the longest known secret value (a stream keeps at least this much back inside a line). */
  readonly longest: number;
}

// name, separator, optional opening quote, value (an auth scheme word joins the value: `Bearer abc`).
// Both patterns start only where a run of their first characters starts (the lookbehind): a try from
// inside the run ends where the run ends, just like the try from its start, so it can only fail the
// same way, and skipping it keeps a long run (a base64 line) linear instead of quadratic.
const assignment =
  /(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]+)(["']?[ \t]{0,8}[=:][ \t]{0,8})(["']?)((?:(?:bearer|basic|token|digest)[ \t]+)?[^\s"',;&]+)/gi;
// scheme://user:password@ or scheme://user@ (a user alone is hidden only when it looks like a token).
const urlUserinfo = /(?<![a-z])([a-z][a-z0-9+.-]*:\/\/)([^\s/@:?#"'<>]*)(?::([^\s/@?#"'<>]*))?@/gi;
const tokenLikeUserLength = 20;
const separatorChar = /[=:]/;

/** Builds a redactor for these secret values (multi-line secrets are also redacted line by line). */
export function createRedactor(secrets: Iterable<string>): Redactor {
  const unique = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    unique.add(secret);
    for (const line of secret.split(/\r?\n/)) if (line.trim().length >= 8) unique.add(line.trim());
  }
  const list = [...unique]
    .filter((secret) => secret.length >= minSecretLength && secret !== redactedText)
    .sort((a, b) => b.length - a.length);
  const literal = list.length === 0 ? null : new RegExp(list.map(escapeRegExp).join('|'), 'g');
  return {
    redact: (text) => redactAssignments(redactUrls(literal ? text.replace(literal, redactedText) : text)),
    longest: list[0]?.length ?? 0,
  };
}

function redactAssignments(text: string): string {
  // Every match holds a separator: text without one (a base64 dump) is left alone without a scan.
  if (!separatorChar.test(text)) return text;
  const pattern = new RegExp(assignment.source, assignment.flags);
  let out = '';
  let copied = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const [, name, separator, quote, value] = match as unknown as [string, string, string, string, string];
    const valueStart = match.index + name.length + separator.length + quote.length;
    if (!isSecretName(name)) {
      // The value may itself hold `name=value` (`x: password=y`): look at it again.
      pattern.lastIndex = valueStart;
      continue;
    }
    // Already hidden (a known secret, a URL password): keep what follows (`***@host`).
    if (value.startsWith(redactedText)) continue;
    out += text.slice(copied, valueStart) + redactedText;
    copied = valueStart + value.length;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function redactUrls(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(urlUserinfo, (match, scheme: string, user: string, password: string | undefined) => {
    if (password !== undefined)
      return password === redactedText || password === '' ? match : `${scheme}${user}:${redactedText}@`;
    return user.length >= tokenLikeUserLength ? `${scheme}${redactedText}@` : match;
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `base` plus more known secret values (one sandbox's database passwords, generated after start). */
export function withSecrets(base: Redactor, secrets: Iterable<string>): Redactor {
  const extra = createRedactor(secrets);
  if (extra.longest === 0) return base;
  return { redact: (text) => base.redact(extra.redact(text)), longest: Math.max(base.longest, extra.longest) };
}
