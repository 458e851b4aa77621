import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, safeCut } from '../../src/core/redact';

describe('createRedactor', () => {
  it.each([
    ['password=hunter2-long', ['hunter2-long'], 'password=***'],
    ['a hunter2-long and hunter2-long', ['hunter2-long'], 'a *** and ***'],
    ['abc', ['ab'], 'abc'],
    ['token ghp_abcdef123456 tail', ['ghp_abcdef123456', 'abcdef'], 'token *** tail'],
    ['regex chars a.b*c(d) here', ['a.b*c(d)'], 'regex chars *** here'],
    ['line two of a key', ['-----BEGIN-----\nline two of a key\n-----END-----'], '***'],
    ['nothing to hide', [], 'nothing to hide'],
  ])('%j with %j → %j', (text, secrets, expected) => {
    expect(createRedactor(secrets).redact(text)).toBe(expected);
  });

  it('never leaves a secret in any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4, maxLength: 20 }).filter((s) => !s.includes('*')), fc.string(), fc.string(), (secret, before, after) => {
        expect(createRedactor([secret]).redact(before + secret + after)).not.toContain(secret);
      }),
    );
  });
});

describe('safeCut', () => {
  it('stores up to the last newline, holds back a partial line, flushes at the end', () => {
    expect(safeCut(Buffer.from('one\ntwo\nthr'), 10, false)).toBe(8);
    expect(safeCut(Buffer.from('one\ntwo\nthr'), 10, true)).toBe(11);
    expect(safeCut(Buffer.from('no newline at all in this long line'), 8, false)).toBe(35 - 7 - 4);
    expect(safeCut(Buffer.from('short'), 30, false)).toBe(0);
  });
});
