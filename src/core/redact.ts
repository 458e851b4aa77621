/** Secrets shorter than this are not redacted: replacing "a" or "true" everywhere would destroy logs, not protect them. */
export const minSecretLength = 4;

export interface Redactor {
  /** Replaces every occurrence of every secret with `***`. */
  redact(text: string): string;
  /** The longest secret: a stream keeps this many bytes back so a secret split across reads is still caught. */
  readonly longest: number;
}

/** Builds a redactor for these secret values (multi-line secrets are also redacted line by line). */
export function createRedactor(secrets: Iterable<string>): Redactor {
  const unique = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    unique.add(secret);
    for (const line of secret.split(/\r?\n/)) if (line.trim().length >= 8) unique.add(line.trim());
  }
  const list = [...unique].filter((secret) => secret.length >= minSecretLength).sort((a, b) => b.length - a.length);
  if (list.length === 0) return { redact: (text) => text, longest: 0 };
  const pattern = new RegExp(list.map(escapeRegExp).join('|'), 'g');
  return {
    redact: (text) => text.replace(pattern, '***'),
    longest: list[0]!.length,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * How much of a log buffer can be stored now: up to its last newline (a
 * secret is never split by a line break), or — for a long line — all but
 * the last `longest - 1` bytes; the rest waits for the next read. At the end
 * of the stream everything is flushed.
 */
export function safeCut(buffer: Buffer, longest: number, final: boolean): number {
  if (final) return buffer.length;
  const newline = buffer.lastIndexOf(0x0a);
  if (newline >= 0) return newline + 1;
  return Math.max(0, buffer.length - Math.max(longest - 1, 0) - 4);
}
