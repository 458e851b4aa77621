import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { assertEnvName, quoteArg, quoteArgv } from '../../src/core/shell-quote';

/** Runs `printf '%s\0' <words>` in a real bash and returns the words it received. */
function echoThroughBash(words: string): string[] {
  const output = execFileSync('bash', ['-c', `printf "%s\\0" ${words}`], { encoding: 'buffer' });
  const parts = output.toString('utf8').split('\0');
  parts.pop(); // the text after the last NUL is empty
  return parts;
}

const nasty = [
  ['empty string', ''],
  ['command substitution', '$(touch pwned)'],
  ['backticks', '`touch pwned`'],
  ['semicolon', 'a; touch pwned'],
  ['pipe', 'a | touch pwned'],
  ['and', 'a && touch pwned'],
  ['background', 'a & touch pwned'],
  ['single quote', "it's"],
  ['only single quotes', "'''"],
  ['double quotes', 'say "hi" $HOME'],
  ['newline', 'line1\ntouch pwned'],
  ['glob', '*'],
  ['glob with brackets', '[a-z]?*'],
  ['brace expansion', '{a,b}'],
  ['tilde', '~root'],
  ['variable', '$PATH ${HOME}'],
  ['backslash', 'a\\b\\'],
  ['redirection', '> /tmp/x < /etc/passwd'],
  ['process substitution', '<(touch pwned)'],
  ['comment', '# not a comment'],
  ['history bang', '!!'],
  ['assignment-looking word', 'A=b'],
  ['leading dash', '-rf'],
  ['reserved word', 'if'],
  ['tabs and spaces', ' \t a  b \t'],
  ['unicode', 'héllo wörld 漢字 🙂'],
  ['control characters', '\u0001\u001b[31m\u007f'],
  ['plain path', '/var/lib/sandboxes/pr-1'],
] as const;

describe('quoteArg', () => {
  it.each(nasty)('%s reaches the command unchanged', (_label, value) => {
    expect(echoThroughBash(quoteArg(value))).toEqual([value]);
  });

  it.each([
    ['plain-word_1.2/x:y@z+w,v', 'plain-word_1.2/x:y@z+w,v'],
    ['', "''"],
    ["it's", `'it'\\''s'`],
    ['a b', "'a b'"],
    ['$x', "'$x'"],
    ['A=b', "'A=b'"],
    ['~', "'~'"],
    ['if', "'if'"],
    ['%1', "'%1'"],
  ])('quotes %j as %s', (value, quoted) => {
    expect(quoteArg(value)).toBe(quoted);
  });

  it('refuses a NUL byte, which no command line can carry', () => {
    expect(() => quoteArg('a\0b')).toThrow(/NUL byte/);
  });

  it('keeps a reserved word from acting as one in command position', () => {
    const result = spawnSync('bash', ['-c', quoteArgv(['if'])], { encoding: 'utf8' });
    expect(result.status).toBe(127); // "command not found", not a syntax error (2)
  });
});

describe('quoteArgv', () => {
  it('passes every argument through a real bash unchanged (property)', () => {
    const metacharacters = fc.constantFrom(
      "'",
      '"',
      '$',
      '`',
      '\\',
      ';',
      '|',
      '&',
      '\n',
      '*',
      '?',
      '[',
      ']',
      '{',
      '}',
      '~',
      '!',
      '#',
      '=',
      '%',
      ' ',
      '\t',
      '(',
      ')',
      '<',
      '>',
      '-',
      'é',
      '漢',
      '🙂',
    );
    const unit = fc.oneof(
      metacharacters,
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\0'),
    );
    const argument = fc.string({ unit, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(argument, { minLength: 1, maxLength: 6 }), (args) => {
        expect(echoThroughBash(quoteArgv(args))).toEqual(args);
      }),
      { numRuns: 150 },
    );
  });

  it('joins arguments with single spaces', () => {
    expect(quoteArgv(['ls', '-la', 'my dir'])).toBe("ls -la 'my dir'");
  });

  describe('never executes what it quotes (a marker file proves nothing ran)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-quote-'));
    const marker = join(dir, 'marker');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const payloads = [
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `x; touch ${marker}`,
      `x | touch ${marker}`,
      `x && touch ${marker}`,
      `x\ntouch ${marker}`,
      `'; touch ${marker}; '`,
      `"; touch ${marker}; "`,
      `x & touch ${marker}`,
      `$(IFS=_;cmd=touch_${marker};$cmd)`,
    ];

    it.each(payloads)('quoted: %j', (payload) => {
      rmSync(marker, { force: true });
      expect(echoThroughBash(quoteArgv(['before', payload, 'after']))).toEqual(['before', payload, 'after']);
      expect(existsSync(marker)).toBe(false);
    });

    // The control: the same payloads pasted unquoted do run, so the check above can fail.
    it.each(payloads.filter((payload) => !payload.startsWith("'") && !payload.startsWith('"')))(
      'unquoted control: %j',
      (payload) => {
        rmSync(marker, { force: true });
        spawnSync('bash', ['-c', `printf "%s\\0" ${payload}`], { encoding: 'utf8' });
        expect(existsSync(marker)).toBe(true);
      },
    );
  });
});

describe('assertEnvName', () => {
  it.each(['PATH', 'A', '_X', 'SANDBOX_PORT_2'])('accepts %j', (name) => {
    expect(() => assertEnvName(name)).not.toThrow();
  });

  it.each(['', 'lower', '1ABC', 'A-B', 'A B', 'A=B', 'A;B', 'PATH\n', '$(x)', 'É'])('refuses %j', (name) => {
    expect(() => assertEnvName(name)).toThrow(/invalid environment variable name/);
  });
});
