import { closeMatches } from '../operations/resolve-instance';
import {
  commandSpecs,
  invocationOf,
  listCommands,
  slackCommandOptions,
  usageOf,
  type CommandName,
  type CommandSurface,
  type SandboxCommand,
} from './command-specs';
import { argumentReaders, tokenize } from './read-arguments';

export type ReplyReason = 'help' | 'unknown_command' | 'usage' | 'wrong_surface';

/**
 * What a surface does with a message: run a command, answer with a text
 * (help, "did you mean", usage) or stay quiet because it was not addressed
 * to the bot. Replies are data; each surface decides how to show them.
 */
export type ParseResult =
  | { kind: 'run'; command: SandboxCommand }
  | { kind: 'reply'; reason: ReplyReason; text: string; suggestions: CommandName[] }
  | { kind: 'ignore' };

export interface ParseOptions {
  surface: CommandSurface;
}

/**
 * Parses the text after `/sandbox` (Slack's slash-command text, or the rest
 * of a PR comment's command line): `<command> [args] [--flags]`. Slack's
 * `/redeploy` and `/activate` commands map onto this by prefixing their name:
 * `parseSandboxCommand('redeploy ' + text, { surface: 'slack' })`.
 */
export function parseSandboxCommand(text: string, options: ParseOptions): ParseResult {
  const { surface } = options;
  const [first, ...rest] = text.trim().split(/\s+/).filter(Boolean);
  if (first === undefined) return help(surface, 'help');
  const name = first.toLowerCase();
  if (name === 'help' || name === '--help' || name === '-h') return helpFor(rest[0], surface);
  if (!isCommandName(name)) return unknown(first, surface);
  if (!availableOn(name, surface)) {
    const other = surface === 'github' ? 'Slack' : 'a pull request comment';
    return reply('wrong_surface', `\`/sandbox ${name}\` works from ${other}, not here.\n\n${renderHelp(surface)}`, []);
  }
  const valued = surface === 'slack' ? Object.keys(slackCommandOptions[name] ?? {}) : [];
  const args = tokenize(rest.join(' '), surface, valued);
  const unknownFlags = [...args.flags].filter(
    (flag) => !(commandSpecs[name].flags as readonly string[]).includes(flag),
  );
  if (unknownFlags.length) return usage(name, surface, `unknown option --${unknownFlags[0]}`);
  const read = argumentReaders[name](args);
  return read.ok ? { kind: 'run', command: read.command } : usage(name, surface, read.problem);
}

export interface CommentOptions {
  /** The App's slug, so `@<slug> redeploy` works as well as `/sandbox redeploy`. */
  appName: string | null;
}

/**
 * Finds the command in a PR comment: the first line (outside code blocks and
 * quotes) that starts with `/sandbox` or `@<app-name>`. Comments without one
 * are ignored, so ordinary discussion never gets an answer.
 */
export function parseCommentCommand(body: string | null | undefined, options: CommentOptions): ParseResult {
  const line = findCommentCommand(body, options);
  return line === null ? { kind: 'ignore' } : parseSandboxCommand(line, { surface: 'github' });
}

/**
 * The command text of a PR comment (what follows `/sandbox` or the mention,
 * possibly empty), or null when the comment addresses no command to the bot.
 * Webhook intake uses it to decide, without parsing further, whether a
 * comment needs a job at all.
 */
export function findCommentCommand(body: string | null | undefined, options: CommentOptions): string | null {
  return findCommandLine(body ?? '', options.appName);
}

function findCommandLine(body: string, appName: string | null): string | null {
  const mention = appName ? new RegExp(`^@${escapeRegExp(appName)}(?:\\[bot\\])?(?:\\s+(.*))?$`, 'i') : null;
  let fence: string | null = null;
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    const fenceMatch = /^(`{3,}|~{3,})/.exec(line);
    if (fenceMatch) {
      if (fence === null) fence = fenceMatch[1]![0]!;
      else if (fenceMatch[1]![0] === fence) fence = null;
      continue;
    }
    if (fence !== null || line.startsWith('>')) continue;
    const slash = /^\/sandbox(?:\s+(.*))?$/i.exec(line);
    if (slash) return slash[1] ?? '';
    const mentioned = mention?.exec(line);
    if (mentioned) return mentioned[1] ?? '';
  }
  return null;
}

/** The help text for a surface: one line per command. */
export function renderHelp(surface: CommandSurface): string {
  const lines = listCommands(surface).map((command) => `- \`${command.usage}\`: ${command.summary}`);
  return `Commands:\n${lines.join('\n')}`;
}

function helpFor(topic: string | undefined, surface: CommandSurface): ParseResult {
  if (topic === undefined) return help(surface, 'help');
  const name = topic.toLowerCase();
  if (name === 'help') return help(surface, 'help');
  if (!isCommandName(name) || !availableOn(name, surface)) return unknown(topic, surface);
  return reply('help', `\`${usageOf(name, surface)}\`: ${commandSpecs[name].summary}`, []);
}

function help(surface: CommandSurface, reason: ReplyReason): ParseResult {
  return reply(reason, renderHelp(surface), []);
}

function unknown(word: string, surface: CommandSurface): ParseResult {
  const names = listCommands(surface).map((command) => command.name);
  const suggestions = word.length >= 2 ? (closeMatches(word.toLowerCase(), names) as CommandName[]) : [];
  const hint = suggestions[0] ? ` Did you mean \`${invocationOf(suggestions[0], surface)}\`?` : '';
  return reply(
    'unknown_command',
    `I don't know the command \`${word}\`.${hint}\n\n${renderHelp(surface)}`,
    suggestions,
  );
}

function usage(name: CommandName, surface: CommandSurface, problem: string): ParseResult {
  return reply('usage', `\`${invocationOf(name, surface)}\`: ${problem}. Usage: \`${usageOf(name, surface)}\``, []);
}

function reply(reason: ReplyReason, text: string, suggestions: CommandName[]): ParseResult {
  return { kind: 'reply', reason, text, suggestions };
}

function isCommandName(name: string): name is Exclude<CommandName, 'help'> {
  return name !== 'help' && Object.hasOwn(commandSpecs, name);
}

function availableOn(name: CommandName, surface: CommandSurface): boolean {
  return (commandSpecs[name].surfaces as readonly CommandSurface[]).includes(surface);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
