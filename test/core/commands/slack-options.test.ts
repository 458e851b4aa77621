import { describe, expect, it } from 'vitest';
import { parseSandboxCommand, type ParseResult, type SandboxCommand } from '../../../src/core/commands';

const slack = { surface: 'slack' } as const;
const github = { surface: 'github' } as const;

function run(result: ParseResult): SandboxCommand {
  if (result.kind !== 'run') throw new Error(`expected run, got ${JSON.stringify(result)}`);
  return result.command;
}

describe('Slack options with values', () => {
  it.each<[string, SandboxCommand]>([
    ['redeploy demo --attempts 3', { name: 'redeploy', instance: 'demo', activate: true, attempts: 3 }],
    ['redeploy demo --attempts=2 --no-activate', { name: 'redeploy', instance: 'demo', activate: false, attempts: 2 }],
    ['redeploy --no-activate demo', { name: 'redeploy', instance: 'demo', activate: false }],
    ['logs demo 2 --lines 50', { name: 'logs', instance: 'demo', appserver: 2, lines: 50 }],
    ['logs demo --lines=5', { name: 'logs', instance: 'demo', appserver: null, lines: 5 }],
    [
      'create demo --repo-url https://github.com/org/app --ref main',
      { name: 'create', slug: 'demo', repository: 'https://github.com/org/app', ref: 'main' },
    ],
    [
      'create demo --repo-url <https://github.com/org/app.git> v1.2',
      { name: 'create', slug: 'demo', repository: 'https://github.com/org/app.git', ref: 'v1.2' },
    ],
    ['create demo org/app --ref feature/x', { name: 'create', slug: 'demo', repository: 'org/app', ref: 'feature/x' }],
    [
      'redeploy --tag T --filter openedx_release=z.1',
      {
        name: 'campaign',
        tag: 'T',
        start: false,
        options: {
          filter: { openedx_release: 'z.1' },
          exclude: {},
          update: {},
          preUpgrade: [],
          batchSize: 2,
          batchFrequencyMs: 600_000,
          numAttempts: 1,
          activate: true,
        },
      },
    ],
    [
      'redeploy --tag up --filter openedx_release=z.1 --filter openedx_release=z.2 --exclude kind=manual --update configuration_version=v2 --batch-size 3 --batch-frequency 30s --num-attempts 2 --no-activate',
      {
        name: 'campaign',
        tag: 'up',
        start: false,
        options: {
          filter: { openedx_release: ['z.1', 'z.2'] },
          exclude: { kind: 'manual' },
          update: { configuration_version: 'v2' },
          preUpgrade: [],
          batchSize: 3,
          batchFrequencyMs: 30_000,
          numAttempts: 2,
          activate: false,
        },
      },
    ],
    ['list mine', { name: 'list', filter: 'mine' }],
    ['list repo:org/app', { name: 'list', filter: 'repo:org/app' }],
  ])('%s', (text, command) => {
    expect(run(parseSandboxCommand(text, slack))).toEqual(command);
  });

  it.each([
    ['redeploy demo --attempts', '--attempts needs a value'],
    ['redeploy demo --attempts 0', 'whole number from 1 to 10'],
    ['redeploy demo --attempts 11', 'whole number from 1 to 10'],
    ['redeploy demo --attempts many', 'not "many"'],
    ['redeploy demo --tag nightly', 'a campaign picks its sandboxes by --filter, not by name ("demo")'],
    ['redeploy demo --filter openedx_release=z.1', '--filter is for a campaign: add --tag T'],
    ['redeploy --tag', '--tag needs a value'],
    ['redeploy --tag T --filter openedx_release', '--filter takes NAME=VALUE, not "openedx_release"'],
    ['redeploy --tag T --update a=1 --update a=2', '--update sets a twice'],
    ['redeploy --tag T --batch-size 0', '--batch-size must be a whole number from 1 to 100'],
    ['redeploy --tag T --batch-frequency soon', '--batch-frequency: "soon" is not a duration'],
    ['redeploy --tag T --pre-upgrade x', '--pre-upgrade SQL is given from the CLI only'],
    ['redeploy demo --no-activate=false', 'unknown option --no-activate=false'],
    ['logs demo --lines 9999', 'whole number from 1 to 500'],
    ['create demo --repo-url', '--repo-url needs a value'],
    ['create demo', 'give a slug and a configured repository'],
  ])('%s is a usage reply', (text, problem) => {
    const result = parseSandboxCommand(text, slack);
    expect(result).toMatchObject({ kind: 'reply', reason: 'usage' });
    expect(result.kind === 'reply' && result.text).toContain(problem);
  });

  it('options with values are Slack-only: a PR comment gets usage help', () => {
    expect(parseSandboxCommand('redeploy --attempts 3', github)).toMatchObject({
      kind: 'reply',
      reason: 'usage',
      text: expect.stringContaining('unknown option --attempts'),
    });
  });

  it('help lists the Slack usage with the options', () => {
    const result = parseSandboxCommand('help', slack);
    const text = result.kind === 'reply' ? result.text : '';
    expect(text).toContain('/redeploy <instance> [--no-activate] [--attempts N]');
    expect(text).toContain('/sandbox list [mine|failed|repo:<name>|text]');
  });
});
