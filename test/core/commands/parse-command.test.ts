import { describe, expect, it } from 'vitest';
import {
  listCommands,
  parseCommentCommand,
  parseSandboxCommand,
  type ParseResult,
  type SandboxCommand,
} from '../../../src/core/commands';

const github = { surface: 'github' } as const;
const slack = { surface: 'slack' } as const;

function run(result: ParseResult): SandboxCommand {
  if (result.kind !== 'run') throw new Error(`expected run, got ${JSON.stringify(result)}`);
  return result.command;
}

describe('parseSandboxCommand on GitHub', () => {
  it.each<[string, SandboxCommand]>([
    ['redeploy', { name: 'redeploy', instance: null, activate: true }],
    ['REDEPLOY', { name: 'redeploy', instance: null, activate: true }],
    ['redeploy --no-activate', { name: 'redeploy', instance: null, activate: false }],
    ['activate', { name: 'activate', instance: null, appserver: null }],
    ['activate 3', { name: 'activate', instance: null, appserver: 3 }],
    ['activate #12', { name: 'activate', instance: null, appserver: 12 }],
    ['archive', { name: 'archive', instance: null }],
    ['status', { name: 'status', instance: null }],
    ['approve', { name: 'approve' }],
    ['extend 3d', { name: 'extend', instance: null, duration: '3d', durationMs: 3 * 86_400_000 }],
    ['  extend   12h  ', { name: 'extend', instance: null, duration: '12h', durationMs: 12 * 3_600_000 }],
  ])('%s', (text, command) => {
    expect(run(parseSandboxCommand(text, github))).toEqual(command);
  });

  it.each([
    ['activate two', 'not an appserver number'],
    ['activate 0', 'not an appserver number'],
    ['activate 1 2', 'unexpected "2"'],
    ['extend', 'say for how long'],
    ['extend forever', 'not a duration'],
    ['archive now', 'unexpected "now"'],
    ['redeploy --force', 'unknown option --force'],
    ['approve everything', 'unexpected "everything"'],
  ])('%s is a usage reply', (text, problem) => {
    const result = parseSandboxCommand(text, github);
    expect(result).toMatchObject({ kind: 'reply', reason: 'usage' });
    expect(result.kind === 'reply' && result.text).toContain(problem);
  });

  it('help lists every GitHub command and nothing Slack-only', () => {
    const result = parseSandboxCommand('help', github);
    expect(result).toMatchObject({ kind: 'reply', reason: 'help' });
    const text = result.kind === 'reply' ? result.text : '';
    for (const command of listCommands('github')) expect(text).toContain(command.usage);
    expect(text).not.toContain('/sandbox delete');
  });

  it('empty text answers with help', () => {
    expect(parseSandboxCommand('   ', github)).toMatchObject({ kind: 'reply', reason: 'help' });
  });

  it('help <command> gives its usage', () => {
    const result = parseSandboxCommand('help activate', github);
    expect(result).toMatchObject({
      kind: 'reply',
      reason: 'help',
      text: expect.stringContaining('/sandbox activate [N]'),
    });
  });

  it.each([
    ['redploy', 'redeploy'],
    ['activte', 'activate'],
    ['stauts', 'status'],
    ['aprove', 'approve'],
  ])('%s gets "did you mean %s"', (typo, suggestion) => {
    const result = parseSandboxCommand(typo, github);
    expect(result).toMatchObject({ kind: 'reply', reason: 'unknown_command', suggestions: [suggestion] });
    expect(result.kind === 'reply' && result.text).toContain(`Did you mean \`/sandbox ${suggestion}\`?`);
  });

  it('an unknown command far from any gets help without a suggestion', () => {
    expect(parseSandboxCommand('xyzzy', github)).toMatchObject({
      kind: 'reply',
      reason: 'unknown_command',
      suggestions: [],
    });
  });

  it('a Slack-only command says where it works', () => {
    expect(parseSandboxCommand('delete', github)).toMatchObject({
      kind: 'reply',
      reason: 'wrong_surface',
      text: expect.stringContaining('Slack'),
    });
  });
});

describe('parseSandboxCommand on Slack', () => {
  it.each<[string, SandboxCommand]>([
    ['status pr42-app', { name: 'status', instance: 'pr42-app' }],
    ['status <https://github.com/o/r/pull/4|o/r#4>', { name: 'status', instance: 'https://github.com/o/r/pull/4' }],
    ['redeploy o/r#4 --no-activate', { name: 'redeploy', instance: 'o/r#4', activate: false }],
    ['activate pr42-app 2', { name: 'activate', instance: 'pr42-app', appserver: 2 }],
    ['logs pr42-app', { name: 'logs', instance: 'pr42-app', appserver: null }],
    ['delete pr42-app --force', { name: 'delete', instance: 'pr42-app', force: true }],
    ['extend pr42-app 2d', { name: 'extend', instance: 'pr42-app', duration: '2d', durationMs: 2 * 86_400_000 }],
    ['list', { name: 'list', filter: null }],
    ['list edx', { name: 'list', filter: 'edx' }],
    ['create demo org/app main', { name: 'create', slug: 'demo', repository: 'org/app', ref: 'main' }],
    ['create demo org/app', { name: 'create', slug: 'demo', repository: 'org/app', ref: null }],
  ])('%s', (text, command) => {
    expect(run(parseSandboxCommand(text, slack))).toEqual(command);
  });

  it.each(['status', 'archive', 'redeploy --no-activate', 'create demo'])(
    '%s without enough arguments is a usage reply',
    (text) => {
      expect(parseSandboxCommand(text, slack)).toMatchObject({ kind: 'reply', reason: 'usage' });
    },
  );

  it('approve is a pull request command', () => {
    expect(parseSandboxCommand('approve', slack)).toMatchObject({ kind: 'reply', reason: 'wrong_surface' });
  });
});

describe('parseCommentCommand', () => {
  const options = { appName: 'sandbox-bot' };

  it.each<[string, SandboxCommand]>([
    ['/sandbox redeploy', { name: 'redeploy', instance: null, activate: true }],
    ['/Sandbox   activate 2', { name: 'activate', instance: null, appserver: 2 }],
    ['Thanks!\r\n/sandbox status\r\nmore text', { name: 'status', instance: null }],
    ['@sandbox-bot redeploy', { name: 'redeploy', instance: null, activate: true }],
    ['@Sandbox-Bot[bot] archive', { name: 'archive', instance: null }],
    ['> /sandbox archive\n/sandbox redeploy', { name: 'redeploy', instance: null, activate: true }],
    ['```\n/sandbox archive\n```\n/sandbox status', { name: 'status', instance: null }],
  ])('%j', (body, command) => {
    expect(run(parseCommentCommand(body, options))).toEqual(command);
  });

  it.each([
    ['plain discussion', 'Looks good to me'],
    ['a mention mid-sentence', 'you can type /sandbox redeploy to retry'],
    ['a quoted command', '> /sandbox redeploy'],
    ['a command in a code block', '~~~\n/sandbox redeploy\n~~~'],
    ['another word starting with sandbox', '/sandboxes are great'],
    ['another app', '@other-bot redeploy'],
    ['an empty body', ''],
    ['a null body', null],
  ])('ignores %s', (_label, body) => {
    expect(parseCommentCommand(body, options)).toEqual({ kind: 'ignore' });
  });

  it('a bare /sandbox answers with help', () => {
    expect(parseCommentCommand('/sandbox', options)).toMatchObject({ kind: 'reply', reason: 'help' });
  });

  it('a bare mention answers with help', () => {
    expect(parseCommentCommand('@sandbox-bot', options)).toMatchObject({ kind: 'reply', reason: 'help' });
  });
});
