import type { Redactor } from '../redact';

export interface CutLogOptions {
  /** The end of the log: nothing more will be written, store everything. */
  final: boolean;
  /** The read filled its whole window: a line this long cannot wait for its end. */
  full: boolean;
  /** Bytes always kept back inside an over-long line (default: room for any secret and any `name=value`). */
  holdBytes?: number;
}

export interface LogCut {
  /** Bytes of the buffer to store now; the rest is read again next time. */
  bytes: number;
  /** Those bytes, decoded and redacted. */
  text: string;
}

const minHoldBytes = 4096;
const candidates = 16;

/**
 * How much of newly read log bytes can be stored, redacted, without ever
 * splitting a secret between two stored chunks: up to the last line break
 * (no redaction rule crosses a line), a partial line waits for its end, and
 * only a line longer than the read window is cut — before its last
 * `holdBytes`, at a space when possible, never inside a UTF-8 character, and
 * only where redacting the two sides apart gives the same text as redacting
 * them together. At the end of the log everything is stored.
 */
export function cutLog(buffer: Buffer, redactor: Redactor, options: CutLogOptions): LogCut {
  if (options.final) return take(buffer, buffer.length, redactor);
  const newline = buffer.lastIndexOf(0x0a);
  if (newline >= 0) return take(buffer, newline + 1, redactor);
  if (!options.full) return { bytes: 0, text: '' };
  const hold = options.holdBytes ?? Math.max(minHoldBytes, 3 * redactor.longest + 1024);
  const limit = buffer.length - hold;
  if (limit <= 0) return { bytes: 0, text: '' };
  const whole = redactor.redact(decode(buffer, 0, buffer.length));
  const agrees = (at: number) =>
    redactor.redact(decode(buffer, 0, at)) + redactor.redact(decode(buffer, at, buffer.length)) === whole;
  let fallback = 0;
  for (const at of cutCandidates(buffer, limit)) {
    fallback ||= at;
    if (agrees(at)) return take(buffer, at, redactor);
  }
  // Only a pathological line gets here (no agreeing cut near its end): bounded memory wins.
  return take(buffer, fallback || charBoundary(buffer, limit), redactor);
}

/** Cut positions at or before `limit`: right after a space or tab first, then plain character boundaries. */
function* cutCandidates(buffer: Buffer, limit: number): Generator<number> {
  let found = 0;
  for (let at = limit; at > 0 && found < candidates; at -= 1) {
    const byte = buffer[at - 1];
    if (byte === 0x20 || byte === 0x09) {
      found += 1;
      yield at;
    }
  }
  let at = limit;
  for (let tries = 0; tries < candidates && at > 0; tries += 1) {
    at = charBoundary(buffer, at);
    if (at > 0) yield at;
    at -= 1;
  }
}

/** The nearest position at or before `at` that does not fall inside a UTF-8 character. */
function charBoundary(buffer: Buffer, at: number): number {
  let position = Math.min(at, buffer.length);
  while (position > 0 && position < buffer.length && (buffer[position]! & 0xc0) === 0x80) position -= 1;
  return position;
}

function decode(buffer: Buffer, from: number, to: number): string {
  return buffer.subarray(from, to).toString('utf8');
}

function take(buffer: Buffer, bytes: number, redactor: Redactor): LogCut {
  return { bytes, text: bytes === 0 ? '' : redactor.redact(decode(buffer, 0, bytes)) };
}
