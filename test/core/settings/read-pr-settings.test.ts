import { describe, expect, it } from 'vitest';
import { readPrSettings, type SettingsErrorCode, type SettingsMap } from '../../../src/core/settings';

/**
 * The settings rules of SPEC §2 (1–3, 7) as one table. Every case runs twice:
 * with LF line endings and with CRLF, and must give the same answer.
 */
interface Case {
  name: string;
  body: string | null;
  /** Expected settings ({} for "no settings"); null when the case has errors. */
  settings: SettingsMap | null;
  /** Expected extracted block (undefined: not checked). */
  block?: string | null;
  /** Expected errors as [code, line, column]; column null when not checked. */
  errors?: Array<[SettingsErrorCode, number, number | null]>;
  extraDeny?: string[];
  /** Text every error message must contain. */
  says?: string[];
}

const lines = (...parts: string[]) => parts.join('\n');
const settingsBody = (...block: string[]) => lines('**Settings**', '```yaml', ...block, '```', '');
const nested = (depth: number) => {
  // depth mappings in all, counting the root: a1: {a2: … {a<depth>: 1}}
  const out: string[] = [];
  for (let level = 1; level <= depth; level += 1)
    out.push(`${'  '.repeat(level - 1)}a${level}:${level === depth ? ' 1' : ''}`);
  return out;
};

const cases: Case[] = [
  // --- the predecessor's documented examples (canonical form) ---
  {
    name: 'predecessor README example',
    body: lines('**Settings**', '```yaml', 'EDXAPP_FEATURES:', '  ALLOW_HIDING_DISCUSSION_TAB: true', '```'),
    settings: { EDXAPP_FEATURES: { ALLOW_HIDING_DISCUSSION_TAB: true } },
    block: 'EDXAPP_FEATURES:\n  ALLOW_HIDING_DISCUSSION_TAB: true\n',
  },
  {
    name: 'predecessor template with only a comment means no settings',
    body: lines('**Settings**', '```yaml', '# Include extra ansible vars as yaml here', '```'),
    settings: {},
    block: '# Include extra ansible vars as yaml here\n',
  },
  {
    name: 'predecessor discovery/ecommerce example reads yes as true (YAML 1.1, as PyYAML did)',
    body: settingsBody(
      'DISCOVERY_ELASTICSEARCH_URL: "http://149.202.166.156:9200/"',
      'SANDBOX_ENABLE_DISCOVERY: yes',
      'SANDBOX_ENABLE_ECOMMERCE: yes',
      'DISCOVERY_VERSION: "c96c77bbf80650b3d3cc238335cc5205e24b775f"',
    ),
    settings: {
      DISCOVERY_ELASTICSEARCH_URL: 'http://149.202.166.156:9200/',
      SANDBOX_ENABLE_DISCOVERY: true,
      SANDBOX_ENABLE_ECOMMERCE: true,
      DISCOVERY_VERSION: 'c96c77bbf80650b3d3cc238335cc5205e24b775f',
    },
  },
  {
    name: 'predecessor form with __Settings__ and an empty info string',
    body: lines('__Settings__', '```', 'A: 1', '```'),
    settings: { A: 1 },
  },
  {
    name: 'predecessor form with a yml info string',
    body: lines('**Settings**', '```yml', 'A: x', '```'),
    settings: { A: 'x' },
  },
  {
    name: 'predecessor form with a blank line before the fence',
    body: lines('**Settings**', '', '```yaml', 'A: 1', '```'),
    settings: { A: 1 },
  },
  {
    name: 'prose before and after the block is ignored',
    body: lines(
      'This PR adds splines.',
      '',
      '**Settings**',
      '```yaml',
      'A: 1',
      '```',
      '',
      'Testing: see pr1.example.com',
      '```',
      'not: settings',
      '```',
    ),
    settings: { A: 1 },
    block: 'A: 1\n',
  },
  // --- kinder heading forms ---
  { name: '## Settings', body: lines('## Settings', '```yaml', 'A: 1', '```'), settings: { A: 1 } },
  { name: '# Settings', body: lines('# Settings', '```yaml', 'A: 1', '```'), settings: { A: 1 } },
  { name: '###### Settings', body: lines('###### Settings', '```yaml', 'A: 1', '```'), settings: { A: 1 } },
  {
    name: 'closed ATX heading ### Settings ###',
    body: lines('### Settings ###', '```yaml', 'A: 1', '```'),
    settings: { A: 1 },
  },
  { name: '**Settings:**', body: lines('**Settings:**', '```yaml', 'A: 1', '```'), settings: { A: 1 } },
  { name: '**Settings**:', body: lines('**Settings**:', '```yaml', 'A: 1', '```'), settings: { A: 1 } },
  { name: 'Settings: alone on a line', body: lines('Settings:', '```yaml', 'A: 1', '```'), settings: { A: 1 } },
  { name: 'lowercase **settings**', body: lines('**settings**', '```yaml', 'A: 1', '```'), settings: { A: 1 } },
  { name: 'uppercase SETTINGS:', body: lines('SETTINGS:', '```yaml', 'A: 1', '```'), settings: { A: 1 } },
  {
    name: 'heading with trailing spaces',
    body: lines('**Settings**   ', '```yaml', 'A: 1', '```'),
    settings: { A: 1 },
  },
  { name: 'heading with leading spaces', body: lines('  **Settings**', '```yaml', 'A: 1', '```'), settings: { A: 1 } },
  { name: 'single emphasis *Settings*', body: lines('*Settings*', '```yaml', 'A: 1', '```'), settings: { A: 1 } },
  {
    name: 'bold inside a heading ## **Settings**',
    body: lines('## **Settings**', '```yaml', 'A: 1', '```'),
    settings: { A: 1 },
  },
  // --- not a settings block ---
  {
    name: 'a sentence that starts with Settings is not a heading',
    body: lines('Settings for the LMS:', '```yaml', 'A: 1', '```'),
    settings: {},
    block: null,
  },
  {
    name: 'seven hashes are not a heading',
    body: lines('####### Settings', '```yaml', 'A: 1', '```'),
    settings: {},
    block: null,
  },
  {
    name: 'heading text after the bold part',
    body: lines('**Settings** are below', '```yaml', 'A: 1', '```'),
    settings: {},
    block: null,
  },
  {
    name: 'heading followed by prose, not a fence',
    body: lines('**Settings**', 'none this time', '```yaml', 'A: 1', '```'),
    settings: {},
    block: null,
  },
  {
    name: 'heading followed by a json fence',
    body: lines('**Settings**', '```json', '{"A": 1}', '```'),
    settings: {},
    block: null,
  },
  {
    name: 'a yaml fence without a heading',
    body: lines('Config:', '```yaml', 'A: 1', '```'),
    settings: {},
    block: null,
  },
  { name: 'null body', body: null, settings: {}, block: null },
  { name: 'empty body', body: '', settings: {}, block: null },
  { name: 'blank body', body: lines('', '   ', ''), settings: {}, block: null },
  // --- fences ---
  { name: '~~~ fence', body: lines('**Settings**', '~~~yaml', 'A: 1', '~~~'), settings: { A: 1 } },
  { name: 'uppercase YAML info string', body: lines('**Settings**', '```YAML', 'A: 1', '```'), settings: { A: 1 } },
  {
    name: 'info string with extra words',
    body: lines('**Settings**', '``` yaml title="vars"', 'A: 1', '```'),
    settings: { A: 1 },
  },
  {
    name: 'backticks inside a ~~~ block do not close it',
    body: lines('**Settings**', '~~~yaml', 'NOTE: |', '  ```', '  code', '  ```', '~~~'),
    settings: { NOTE: '```\ncode\n```\n' },
  },
  {
    name: 'indented fence: its indentation is removed from the content',
    body: lines('- item', '  **Settings**', '  ```yaml', '  A:', '    B: 1', '  ```'),
    settings: { A: { B: 1 } },
    block: 'A:\n  B: 1\n',
  },
  {
    name: 'blank lines inside the block',
    body: lines('**Settings**', '```yaml', 'A: 1', '', '', 'B: 2', '```'),
    settings: { A: 1, B: 2 },
    block: 'A: 1\n\n\nB: 2\n',
  },
  {
    name: 'several blank lines between heading and fence',
    body: lines('**Settings**', '', '  ', '', '```yaml', 'A: 1', '```'),
    settings: { A: 1 },
  },
  {
    name: 'a longer closing fence closes the block',
    body: lines('**Settings**', '```yaml', 'A: 1', '`````'),
    settings: { A: 1 },
  },
  {
    name: 'closing fence with trailing spaces',
    body: lines('**Settings**', '```yaml', 'A: 1', '```   ', 'B: 2'),
    settings: { A: 1 },
  },
  {
    name: 'the first settings block wins',
    body: lines('**Settings**', '```yaml', 'A: first', '```', '## Settings', '```yaml', 'A: second', '```'),
    settings: { A: 'first' },
  },
  {
    name: 'a heading without a fence does not stop the search',
    body: lines('Settings:', 'see below', '', '**Settings**', '```yaml', 'A: 2', '```'),
    settings: { A: 2 },
  },
  {
    name: 'another code block before the settings',
    body: lines('```python', 'print("hi")', '```', '**Settings**', '```yaml', 'A: 1', '```'),
    settings: { A: 1 },
  },
  { name: 'empty block', body: lines('**Settings**', '```yaml', '```'), settings: {}, block: '' },
  { name: 'block holding only null', body: lines('**Settings**', '```yaml', '~', '```'), settings: {} },
  // --- unclosed fences ---
  {
    name: 'a fence that is never closed',
    body: lines('**Settings**', '```yaml', 'A: 1'),
    settings: null,
    block: null,
    errors: [['settings_unclosed_fence', 2, 1]],
    says: ['never closed', 'add a line with ```'],
  },
  {
    name: 'a ``` line does not close a ~~~ fence',
    body: lines('text', '**Settings**', '~~~yaml', 'A: 1', '```'),
    settings: null,
    errors: [['settings_unclosed_fence', 3, 1]],
    says: ['~~~'],
  },
  {
    name: 'an indented unclosed fence reports its column',
    body: lines('**Settings**', '  ```yaml', '  A: 1'),
    settings: null,
    errors: [['settings_unclosed_fence', 2, 3]],
  },
  // --- YAML errors, placed in the PR body ---
  {
    name: 'a nested mapping on a value line',
    body: lines('Intro', '', '**Settings**', '```yaml', 'A: b', '  c: d', '```'),
    settings: null,
    errors: [['settings_yaml', 5, 4]],
    says: ['line 5, column 4', 'YAML syntax error'],
  },
  {
    name: 'tabs used for indentation',
    body: settingsBody('A:', '\tB: 1'),
    settings: null,
    errors: [['settings_yaml', 4, null]],
    says: ['spaces, not tabs'],
  },
  {
    name: 'an unclosed quote',
    body: settingsBody('A: "open', 'B: 2'),
    settings: null,
    errors: [['settings_yaml', 5, null]],
    says: ['close the quote'],
  },
  {
    name: 'two YAML documents',
    body: settingsBody('A: 1', '---', 'B: 2'),
    settings: null,
    errors: [['settings_yaml', 4, 1]],
    says: ['single YAML document'],
  },
  {
    name: 'a list at the root',
    body: settingsBody('- A', '- B'),
    settings: null,
    errors: [['settings_not_mapping', 3, 1]],
    says: ['is a list', 'mapping of names to values'],
  },
  {
    name: 'a scalar at the root',
    body: settingsBody('just some text'),
    settings: null,
    errors: [['settings_not_mapping', 3, 1]],
    says: ['a single value'],
  },
  {
    name: 'a duplicate top-level key',
    body: settingsBody('A: 1', 'B: 2', 'A: 3'),
    settings: null,
    errors: [['settings_duplicate_key', 5, 1]],
    says: ['"A" is set twice', 'keep only one'],
  },
  {
    name: 'a duplicate nested key',
    body: settingsBody('EDXAPP_FEATURES:', '  X: true', '  X: false'),
    settings: null,
    errors: [['settings_duplicate_key', 5, 3]],
    says: ['"X"'],
  },
  {
    name: 'every duplicate key is reported',
    body: settingsBody('A: 1', 'A: 2', 'B: 1', 'B: 2'),
    settings: null,
    errors: [
      ['settings_duplicate_key', 4, 1],
      ['settings_duplicate_key', 6, 1],
    ],
  },
  {
    name: 'an alias bomb',
    body: settingsBody(
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ),
    settings: null,
    errors: [['settings_alias_limit', 4, 8]],
    says: ['limit is 100'],
  },
  {
    name: 'an alias without an anchor',
    body: settingsBody('A: *missing'),
    settings: null,
    errors: [['settings_yaml', 3, 4]],
    says: ['&missing'],
  },
  {
    name: 'an alias inside its own anchor',
    body: settingsBody('A: &loop', '  B: *loop'),
    settings: null,
    errors: [['settings_yaml', 4, 6]],
    says: ['cannot include itself'],
  },
  {
    name: 'a block over 64 KiB',
    body: settingsBody(`A: "${'x'.repeat(64 * 1024)}"`),
    settings: null,
    errors: [['settings_too_large', 2, 1]],
    says: ['64 KiB limit'],
  },
  {
    name: 'a block of exactly 64 KiB is accepted',
    body: settingsBody(`A: ${'x'.repeat(64 * 1024 - 4)}`),
    settings: { A: 'x'.repeat(64 * 1024 - 4) },
  },
  {
    name: 'multi-byte characters count as bytes towards the limit',
    body: settingsBody(`A: ${'é'.repeat(33 * 1024)}`),
    settings: null,
    errors: [['settings_too_large', 2, 1]],
  },
  {
    name: 'nesting 32 levels deep is accepted',
    body: settingsBody(...nested(32)),
    settings: JSON.parse(
      `${'{"a1":'}${Array.from({ length: 31 }, (_, i) => `{"a${i + 2}":`).join('')}1${'}'.repeat(32)}`,
    ) as SettingsMap,
  },
  {
    name: 'nesting 33 levels deep is refused',
    body: settingsBody(...nested(33)),
    settings: null,
    errors: [['settings_too_deep', 35, 65]],
    says: ['more than 32 levels'],
  },
  {
    name: 'deep flow nesting is refused without exhausting the stack',
    body: settingsBody(`A: ${'['.repeat(5000)}${']'.repeat(5000)}`),
    settings: null,
    errors: [['settings_too_deep', 3, null]],
  },
  {
    name: 'nesting that grows through an alias is refused',
    body: settingsBody(`A: &deep ${'['.repeat(20)}${']'.repeat(20)}`, `B: ${'['.repeat(20)}*deep${']'.repeat(20)}`),
    settings: null,
    errors: [['settings_too_deep', 4, 24]],
  },
  // --- deny-list ---
  {
    name: 'a password key',
    body: settingsBody('EDXAPP_MYSQL_PASSWORD: hunter2'),
    settings: null,
    errors: [['settings_denied_key', 3, 1]],
    says: ['"EDXAPP_MYSQL_PASSWORD" may not be set', '"*_PASSWORD"', "repository's default settings"],
  },
  {
    name: 'a denied key deep inside a mapping is named by its path',
    body: settingsBody('EDXAPP_FEATURES:', '  AUTH:', '    GITHUB_TOKEN: abc'),
    settings: null,
    errors: [['settings_denied_key', 5, 5]],
    says: ['"EDXAPP_FEATURES.AUTH.GITHUB_TOKEN"'],
  },
  {
    name: 'a denied key inside a list item',
    body: settingsBody('BACKENDS:', '  - name: one', '    API_KEY: abc'),
    settings: null,
    errors: [['settings_denied_key', 5, 5]],
    says: ['"BACKENDS[0].API_KEY"'],
  },
  {
    name: 'the deny-list ignores letter case',
    body: settingsBody('db_password: x', 'Some_Secret_Value: y'),
    settings: null,
    errors: [
      ['settings_denied_key', 3, 1],
      ['settings_denied_key', 4, 1],
    ],
  },
  {
    name: 'ansible connection variables are denied',
    body: settingsBody('ansible_ssh_host: 10.0.0.1', 'EDXAPP_MYSQL_HOST: db.internal'),
    settings: null,
    errors: [
      ['settings_denied_key', 3, 1],
      ['settings_denied_key', 4, 1],
    ],
  },
  {
    name: 'a repository deny pattern with a dot matches a key path',
    body: settingsBody('EDXAPP_FEATURES:', '  ENABLE_X: true', 'OTHER: 1'),
    extraDeny: ['EDXAPP_FEATURES.*'],
    settings: null,
    errors: [['settings_denied_key', 4, 3]],
  },
  {
    name: 'secret-looking values under harmless keys are fine',
    body: settingsBody('PASSWORD_POLICY: strict', 'KEYBOARD: us', 'TOKENIZER: simple'),
    settings: { PASSWORD_POLICY: 'strict', KEYBOARD: 'us', TOKENIZER: 'simple' },
  },
  // --- YAML 1.1 details, as Ansible and the predecessor read them ---
  {
    name: 'anchors and merge keys',
    body: settingsBody('base: &base {x: 1, y: 2}', 'other:', '  <<: *base', '  y: 3'),
    settings: { base: { x: 1, y: 2 }, other: { x: 1, y: 3 } },
  },
  {
    name: 'PyYAML scalars: yes/no/on/off are booleans; y, n, 1e3, 09 and dates stay text',
    body: settingsBody(
      'A: yes',
      'B: Off',
      'C: y',
      'D: n',
      'E: 1e3',
      'F: 1.5e+3',
      'G: 012',
      'H: 09',
      'I: 2001-12-14',
      'J: 1:20',
    ),
    settings: { A: true, B: false, C: 'y', D: 'n', E: '1e3', F: 1500, G: 10, H: '09', I: '2001-12-14', J: 80 },
  },
  {
    name: 'a __proto__ key stays plain data',
    body: settingsBody('__proto__:', '  polluted: true'),
    settings: JSON.parse('{"__proto__": {"polluted": true}}') as SettingsMap,
  },
];

const variants = cases.flatMap((testCase) => [
  { ...testCase, eol: 'LF' },
  { ...testCase, eol: 'CRLF', body: testCase.body === null ? null : testCase.body.replace(/\n/g, '\r\n') },
]);

describe('readPrSettings', () => {
  it('has a meaningful table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(variants)('$name ($eol)', (testCase) => {
    const result = readPrSettings(testCase.body, { extraDenyPatterns: testCase.extraDeny ?? [] });
    expect(result.settings).toEqual(testCase.settings);
    if (testCase.block !== undefined) expect(result.block).toBe(testCase.block);
    const expected = testCase.errors ?? [];
    expect(result.errors.map((error) => error.code)).toEqual(expected.map(([code]) => code));
    expected.forEach(([, line, column], index) => {
      const error = result.errors[index];
      expect(error?.line).toBe(line);
      if (column !== null) expect(error?.column).toBe(column);
      expect(error?.message).toContain(`line ${line}, column ${error?.column}`);
    });
    for (const text of testCase.says ?? [])
      expect(result.errors.map((error) => error.message).join('\n')).toContain(text);
    if (testCase.settings !== null) expect(result.errors).toEqual([]);
  });

  it('keeps a __proto__ key as an own property and pollutes nothing', () => {
    const result = readPrSettings(settingsBody('__proto__:', '  polluted: true'));
    expect(Object.hasOwn(result.settings ?? {}, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('records where top-level keys stand and how scalars were written', () => {
    const result = readPrSettings(
      lines('x', '**Settings**', '```yaml', 'configuration_version: 1.10', 'A: {b: 1}', '```'),
    );
    expect(result.topLevelKeys.get('configuration_version')).toEqual({
      position: { line: 4, column: 1 },
      valueSource: '1.10',
    });
    expect(result.topLevelKeys.get('A')).toEqual({ position: { line: 5, column: 1 }, valueSource: null });
  });
});
