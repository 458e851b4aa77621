import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPrSettings } from '../../../src/core/settings';

// Bodies built from the pieces that matter to the parser, so that generated
// strings often hold headings, fences and YAML, not only random noise.
const piece = fc.constantFrom(
  '**Settings**',
  '## Settings',
  'Settings:',
  '__Settings__',
  '```',
  '```yaml',
  '~~~',
  '~~~yml',
  '````',
  'A: 1',
  '  B: [1, 2]',
  '- x',
  'a: &a [*a]',
  'b: *a',
  'k: "open',
  '\t',
  '---',
  '',
  ' ',
  'text',
  '# note',
  'x: {y: {z: 1}}',
  '<<: *a',
  '? complex',
  ': value',
  'A: 1',
  'A: 2',
  'PASSWORD: x',
  '[[[[',
  ']]]]',
  'pr1-app.example.com (persistent databases)',
);
const structuredBody = fc
  .array(fc.oneof(piece, fc.string({ maxLength: 12 })), { maxLength: 30 })
  .map((parts) => parts.join('\n'));
const anyBody = fc.oneof(
  structuredBody,
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
);

describe('readPrSettings properties', () => {
  it('never throws and always answers, for any string', () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        const result = readPrSettings(body);
        expect(result.settings === null).toBe(result.errors.length > 0);
        for (const error of result.errors) {
          expect(error.code).toMatch(/^settings_/);
          expect(error.message.length).toBeGreaterThan(0);
          if (error.line !== null) expect(error.line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same result for LF and CRLF bodies', () => {
    fc.assert(
      fc.property(
        anyBody.map((body) => body.replace(/\r/g, '')),
        (body) => {
          const lf = readPrSettings(body);
          const crlf = readPrSettings(body.replace(/\n/g, '\r\n'));
          expect({ ...crlf, topLevelKeys: [...crlf.topLevelKeys] }).toEqual({
            ...lf,
            topLevelKeys: [...lf.topLevelKeys],
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('places every error inside the body', () => {
    fc.assert(
      fc.property(structuredBody, (body) => {
        const lineCount = body.split('\n').length;
        for (const error of readPrSettings(body).errors) {
          if (error.line !== null) expect(error.line).toBeLessThanOrEqual(lineCount + 1);
          if (error.column !== null) expect(error.column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('stays linear: large hostile bodies parse quickly', () => {
    const hostile = [
      'Settings:\n'.repeat(100_000),
      `**Settings**\n${'\n'.repeat(200_000)}text`,
      `**Settings**\n\`\`\`yaml\n${'['.repeat(30_000)}\n\`\`\`\n`,
      `**Settings**\n\`\`\`yaml\n${'a: &a [x]\n'.repeat(3000)}\`\`\`\n`,
      `${'x'.repeat(1_000_000)}\n**Settings**\n\`\`\`yaml\nA: 1\n\`\`\`\n`,
    ];
    for (const body of hostile) {
      const started = performance.now();
      readPrSettings(body);
      expect(performance.now() - started).toBeLessThan(1500);
    }
  });
});
