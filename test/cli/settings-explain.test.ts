import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerSettingsExplain } from '../../src/cli/commands/settings-explain';
import type { CliContext } from '../../src/cli/context';
import { configSchema, type ConfigInput } from '../../src/config/schema';
import { runSbx } from '../support/spawn-sbx';

const configInput: ConfigInput = {
  base_domain: 'sandbox.example.com',
  defaults: { fields: { openedx_release: 'master' }, ephemeral_databases: true },
  repositories: [
    {
      name: 'edx/edx-platform',
      recipe: 'openedx-ansible',
      settings: { EDXAPP_FEATURES: { A: true } },
      fields: { configuration_version: 'v1' },
    },
    { name: 'acme/edx-platform', recipe: 'openedx-ansible' },
    { name: 'acme/app', deny_settings: ['FEATURE_*'] },
  ],
};

let dir: string;
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sbx-settings-explain-'));
});

/** Runs the command in-process with a fake context, as main.ts wires it (exitOverride, output to ctx). */
async function explain(args: string[], input: ConfigInput = configInput) {
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  const out = new PassThrough().on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const err = new PassThrough().on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ctx: CliContext = {
    config: () => configSchema.parse(input),
    env: {},
    stdout: out,
    stderr: err,
    setExitCode: (code) => (exitCode = code),
  };
  const program = new Command('sbx')
    .exitOverride()
    .configureOutput({ writeOut: (text) => out.write(text), writeErr: (text) => err.write(text) });
  registerSettingsExplain(program, ctx);
  try {
    await program.parseAsync(['settings', 'explain', ...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    exitCode = error.exitCode === 0 ? 0 : 2;
  }
  return { stdout, stderr, exitCode };
}

const goodBody =
  'Adds splines.\n\nTest: pr7-edx-edx-platform.sandbox.example.com (persistent databases)\n\n**Settings**\n```yaml\nEDXAPP_FEATURES:\n  B: true\nopenedx_release: my-release\n```\n';

describe('sbx settings explain (in-process)', () => {
  it('prints one JSON object with the documented fields', async () => {
    const result = await explain([
      '--body-file',
      file('good.md', goodBody),
      '--repo',
      'edx/edx-platform',
      '--number',
      '7',
      '--json',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toEqual({
      block: 'EDXAPP_FEATURES:\n  B: true\nopenedx_release: my-release\n',
      settings: { EDXAPP_FEATURES: { A: true, B: true }, openedx_release: 'my-release' },
      // The recipe's declared fields with their defaults join the configured ones.
      fields: {
        openedx_release: 'my-release',
        configuration_version: 'v1',
        configuration_source_repo_url: 'https://github.com/openedx/configuration.git',
        configuration_playbook_name: 'playbooks/openedx_native.yml',
      },
      databases: 'persistent',
      slug: 'pr7-edx-edx-platform',
      domain: 'pr7-edx-edx-platform.sandbox.example.com',
      domains: [
        'pr7-edx-edx-platform.sandbox.example.com',
        'studio-pr7-edx-edx-platform.sandbox.example.com',
        'preview-pr7-edx-edx-platform.sandbox.example.com',
      ],
      errors: [],
    });
  });

  it('prints readable text without --json', async () => {
    const result = await explain([
      '--body-file',
      file('good.md', goodBody),
      '--repo',
      'edx/edx-platform',
      '--number',
      '7',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Settings block:\n    EDXAPP_FEATURES:\n      B: true');
    expect(result.stdout).toContain(
      'Merged settings (repository defaults, then the PR block):\n    EDXAPP_FEATURES:\n      A: true\n      B: true',
    );
    expect(result.stdout).toContain('    openedx_release: my-release\n    configuration_version: v1');
    expect(result.stdout).toContain('Databases: persistent');
    expect(result.stdout).toContain('Slug: pr7-edx-edx-platform');
    expect(result.stdout).toContain('    studio-pr7-edx-edx-platform.sandbox.example.com');
    expect(result.stdout).toContain('Errors: none');
  });

  it('exits 1 with settings errors, placed in the body', async () => {
    const body = file('bad.md', 'Hi\n**Settings**\n```yaml\nA: 1\nA: 2\n```\n');
    const result = await explain(['--body-file', body, '--repo', 'acme/app', '--json']);
    expect(result.exitCode).toBe(1);
    const json = JSON.parse(result.stdout) as { settings: unknown; errors: unknown[] };
    expect(json.settings).toBeNull();
    expect(json.errors).toEqual([
      {
        code: 'settings_duplicate_key',
        message: expect.stringContaining('line 5, column 1') as string,
        line: 5,
        column: 1,
      },
    ]);
    const text = await explain(['--body-file', body, '--repo', 'acme/app']);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain('Errors (1):\n    [settings_duplicate_key] settings line 5, column 1');
  });

  it('applies the repository deny-list from the configuration', async () => {
    const result = await explain([
      '--body-file',
      file('deny.md', '**Settings**\n```yaml\nFEATURE_X: true\n```\n'),
      '--repo',
      'acme/app',
      '--json',
    ]);
    expect(result.exitCode).toBe(1);
    expect(
      (JSON.parse(result.stdout) as { errors: Array<{ code: string }> }).errors.map((error) => error.code),
    ).toEqual(['settings_denied_key']);
  });

  it('uses --defaults-file instead of the configured settings, and --base-domain', async () => {
    const defaults = file('defaults.yml', 'FROM_FILE: 1\nEDXAPP_FEATURES: {Z: 1}\nVERBOSE: yes\n');
    const result = await explain([
      '--body-file',
      file('good.md', goodBody),
      '--defaults-file',
      defaults,
      '--repo',
      'edx/edx-platform',
      '--base-domain',
      'other.test',
      '--json',
    ]);
    const json = JSON.parse(result.stdout) as { settings: unknown; domain: string };
    // `yes` reads as true, as it would in the PR's Settings block.
    expect(json.settings).toEqual({
      FROM_FILE: 1,
      EDXAPP_FEATURES: { Z: 1, B: true },
      VERBOSE: true,
      openedx_release: 'my-release',
    });
    expect(json.domain).toBe('pr1-edx-edx-platform.other.test');
  });

  it('picks the only configured repository when --repo is left out', async () => {
    const result = await explain(['--body-file', file('plain.md', 'nothing'), '--json'], {
      repositories: [{ name: 'acme/name' }],
      base_domain: 'example.com',
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      block: null,
      settings: null,
      slug: 'pr1-name',
      domain: 'pr1-name.example.com',
      databases: 'ephemeral',
    });
  });

  it.each([
    [
      ['--body-file', '/nonexistent/pr.md', '--repo', 'acme/app'],
      'cannot read --body-file /nonexistent/pr.md: no such file',
    ],
    [['--repo', 'acme/app'], "required option '--body-file <path>' not specified"],
    [['--body-file', 'x', '--number', 'seven', '--repo', 'acme/app'], '--number "seven" is not a PR number'],
    [['--body-file', 'BODY', '--repo', 'not-a-repo'], '--repo "not-a-repo" is not owner/name'],
    [['--body-file', 'BODY'], 'the configuration watches several repositories'],
    [['--body-file', 'BODY', '--repo', 'acme/app', '--base-domain', 'Bad Domain!'], 'is not a DNS name'],
    [['--body-file', 'BODY', '--repo', 'acme/app', '--defaults-file', 'LIST'], 'must hold a YAML mapping'],
    [['--body-file', 'BODY', '--repo', 'acme/app', '--bogus'], "unknown option '--bogus'"],
  ])('usage error %j exits 2 with a message on stderr', async (args, says) => {
    const body = file('usage.md', 'text');
    const list = file('list.yml', '- a\n');
    const result = await explain(args.map((arg) => (arg === 'BODY' ? body : arg === 'LIST' ? list : arg)));
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(says);
    expect(result.stdout).toBe('');
  });
});

describe('sbx settings explain (spawned process)', () => {
  it('runs end to end: JSON on stdout, exit codes 0, 1 and 2', async () => {
    const config = file(
      'sandbox.yml',
      'base_domain: example.com\nrepositories:\n  - name: acme/name\n    fields: {openedx_release: master}\n',
    );
    const env = { SBX_CONFIG: config, SBX_DATA_DIR: join(dir, 'data') };
    const ok = await runSbx(
      [
        'settings',
        'explain',
        '--body-file',
        file('spawn-ok.md', '**Settings**\r\n```yaml\r\nA: 1\r\n```\r\n'),
        '--json',
      ],
      env,
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({
      block: 'A: 1\n',
      settings: { A: 1 },
      fields: { openedx_release: 'master' },
      databases: 'ephemeral',
      slug: 'pr1-name',
      domain: 'pr1-name.example.com',
      domains: ['pr1-name.example.com'],
      errors: [],
    });

    const bad = await runSbx(
      [
        'settings',
        'explain',
        '--body-file',
        file('spawn-bad.md', '**Settings**\n```yaml\nA: [1\n```\n'),
        '--json',
        '--number',
        '3',
      ],
      env,
    );
    expect(bad.code).toBe(1);
    const json = JSON.parse(bad.stdout) as { slug: string; errors: Array<{ code: string; line: number }> };
    expect(json.slug).toBe('pr3-name');
    expect(json.errors.map((error) => [error.code, error.line])).toEqual([['settings_yaml', 4]]);

    const usage = await runSbx(['settings', 'explain', '--body-file', join(dir, 'missing.md'), '--json'], env);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toBe('');
    expect(usage.stderr).toContain('cannot read --body-file');
  });
});
