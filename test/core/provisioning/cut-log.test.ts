import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutLog } from '../../../src/core/provisioning/cut-log';
import { createRedactor, type Redactor } from '../../../src/core/redact';

/**
 * The follow loop in miniature: the host's log grows by `writes`; after each
 * write the follower reads up to `window` bytes from the stored offset and
 * stores what `cutLog` allows; once the writer is done, it flushes.
 */
function follow(
  writes: Buffer[],
  redactor: Redactor,
  window: number,
  holdBytes: number,
): { chunks: string[]; offset: number } {
  let log = Buffer.alloc(0);
  let offset = 0;
  const chunks: string[] = [];
  const drain = (final: boolean) => {
    for (;;) {
      const bytes = log.subarray(offset, offset + window);
      if (bytes.length === 0) return;
      const complete = bytes.length < window;
      const cut = cutLog(bytes, redactor, { final: final && complete, full: !complete, holdBytes });
      if (cut.bytes === 0) return;
      chunks.push(cut.text);
      offset += cut.bytes;
    }
  };
  for (const write of writes) {
    log = Buffer.concat([log, write]);
    drain(false);
  }
  drain(true);
  return { chunks, offset };
}

/** Splits `text` into writes at the given byte positions. */
function writesAt(text: string, cuts: number[]): Buffer[] {
  const bytes = Buffer.from(text);
  const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    if (point > from) parts.push(bytes.subarray(from, point));
    from = point;
  }
  return parts;
}

const secret = 'hunter2-s3cr3t';
const redactor = createRedactor([secret, 'xyzw']);
const filler = fc
  .array(fc.constantFrom('a', 'z', ' ', '\n', '=', ':', '.', 'é', '€', '😀', 'password', 'pass'), { maxLength: 12 })
  .map((parts) => parts.join(''));
const context = fc.constantFrom('', 'password=', 'DB_PASSWORD: ', 'token ', 'postgres://app:', '"apiKey": "', 'x=');

describe('cutLog', () => {
  it('never stores a secret split in two, and stores exactly the redacted whole log (property)', () => {
    fc.assert(
      fc.property(
        filler,
        context,
        fc.constantFrom(secret, 'xyzw', 'ab'),
        filler,
        fc.array(fc.nat({ max: 240 }), { maxLength: 6 }),
        fc.integer({ min: 100, max: 200 }),
        (before, prefix, value, after, cuts, window) => {
          // Through UTF-8 and back, as the host's file would hold it.
          const text = Buffer.from(`${before}${prefix}${value} ${after}\nend`).toString('utf8');
          const { chunks, offset } = follow(writesAt(text, cuts), redactor, window, 64);
          const stored = chunks.join('');
          expect(offset).toBe(Buffer.byteLength(text));
          expect(stored).toBe(redactor.redact(text));
          expect(stored).not.toContain(secret);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('places the secret at every offset around a read boundary', () => {
    const window = 64;
    for (const prefix of ['', 'password=', 'export DB_PASSWORD=']) {
      for (let at = 0; at < 2 * window; at += 1) {
        const text = `${'é'.repeat(at % 3)}${'a'.repeat(at)} ${prefix}${secret} tail\nnext line\n`;
        for (let split = 0; split <= Buffer.byteLength(text); split += 7) {
          const { chunks } = follow(writesAt(text, [split]), redactor, window, 24);
          expect(chunks.join('')).toBe(redactor.redact(text));
          expect(chunks.join('')).not.toContain(secret);
        }
      }
    }
  });

  it('holds a partial line back until it ends, and cuts an over-long line before its last hold bytes', () => {
    expect(cutLog(Buffer.from('one\ntwo\npassword=ab'), redactor, { final: false, full: false })).toEqual({
      bytes: 8,
      text: 'one\ntwo\n',
    });
    expect(cutLog(Buffer.from('password=ab'), redactor, { final: false, full: false }).bytes).toBe(0);
    expect(cutLog(Buffer.from('password=ab'), redactor, { final: true, full: false })).toEqual({
      bytes: 11,
      text: 'password=***',
    });
    const long = Buffer.from(`${'word '.repeat(40)}password=abc`);
    const cut = cutLog(long, redactor, { final: false, full: true, holdBytes: 30 });
    expect(cut.bytes).toBeLessThanOrEqual(long.length - 30);
    expect(long[cut.bytes - 1]).toBe(0x20);
  });

  it('never cuts inside a UTF-8 character', () => {
    const long = Buffer.from('€'.repeat(100));
    const cut = cutLog(long, redactor, { final: false, full: true, holdBytes: 31 });
    expect(cut.bytes % 3).toBe(0);
    expect(cut.text).toBe('€'.repeat(cut.bytes / 3));
  });
});
