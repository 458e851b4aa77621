import { parseDuration } from '../duration';
import type { CommandName, CommandSurface, SandboxCommand } from './command-specs';

export interface Arguments {
  positionals: string[];
  flags: Set<string>;
  /** Options given with a value (`--attempts 3`, `--attempts=3`); an option left without one maps to ''. */
  options: Map<string, string>;
  surface: CommandSurface;
}

/** Either the command or the reason its arguments do not fit (shown with the usage line). */
export type ArgumentResult = { ok: true; command: SandboxCommand } | { ok: false; problem: string };

type ArgumentReader = (args: Arguments) => ArgumentResult;

const ok = (command: SandboxCommand): ArgumentResult => ({ ok: true, command });
const problem = (text: string): ArgumentResult => ({ ok: false, problem: text });

/**
 * Splits the text into words and `--flags`; Slack's `<url|label>` links become
 * their URL. Names in `valued` are options that take the next word (or the
 * text after `=`) as their value.
 */
export function tokenize(text: string, surface: CommandSurface, valued: readonly string[] = []): Arguments {
  const positionals: string[] = [];
  const flags = new Set<string>();
  const options = new Map<string, string>();
  const words = text
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((raw) => raw.replace(/^<([^|>]+)(?:\|[^>]*)?>$/, '$1'));
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!;
    if (!/^--?[a-z]/i.test(word)) {
      positionals.push(word);
      continue;
    }
    const [name = '', inline] = word.replace(/^--?/, '').split(/=(.*)/s, 2);
    const key = name.toLowerCase();
    if (!valued.includes(key)) flags.add(word.replace(/^--?/, '').toLowerCase());
    else if (inline !== undefined) options.set(key, inline);
    else if (words[i + 1] !== undefined && !words[i + 1]!.startsWith('--')) options.set(key, words[(i += 1)]!);
    else options.set(key, '');
  }
  return { positionals, flags, options, surface };
}

/**
 * On Slack the first word names the sandbox; on GitHub the PR does. Returns
 * the instance reference and the remaining words, or a problem.
 */
function takeInstance(args: Arguments, maxRest: number): { instance: string | null; rest: string[] } | string {
  const words = [...args.positionals];
  const instance = args.surface === 'slack' ? (words.shift() ?? null) : null;
  if (args.surface === 'slack' && instance === null) return 'name the sandbox (slug, domain, PR URL or owner/repo#N)';
  if (words.length > maxRest) return `unexpected "${words.slice(maxRest).join(' ')}"`;
  return { instance, rest: words };
}

function appserverNumber(word: string | undefined): number | null | string {
  if (word === undefined) return null;
  const match = /^#?(\d{1,6})$/.exec(word);
  if (!match || Number(match[1]) < 1) return `"${word}" is not an appserver number; use 1, 2, 3…`;
  return Number(match[1]);
}

/** A whole-number option within [min, max]; absent: undefined. */
function countOption(args: Arguments, name: string, min: number, max: number): number | undefined | string {
  const raw = args.options.get(name);
  if (raw === undefined) return undefined;
  if (raw === '') return `--${name} needs a value, e.g. --${name} ${min + 1}`;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < min || Number(raw) > max)
    return `--${name} must be a whole number from ${min} to ${max}, not "${raw}"`;
  return Number(raw);
}

function instanceOnly<N extends 'archive' | 'status' | 'restore' | 'cancel' | 'pin' | 'unpin'>(
  name: N,
): ArgumentReader {
  return (args) => {
    const taken = takeInstance(args, 0);
    return typeof taken === 'string' ? problem(taken) : ok({ name, instance: taken.instance } as SandboxCommand);
  };
}

/** One reader per command: a missing entry is a compile error. */
export const argumentReaders = {
  redeploy: (args) => {
    const taken = takeInstance(args, 0);
    if (typeof taken === 'string') return problem(taken);
    const attempts = countOption(args, 'attempts', 1, 10);
    if (typeof attempts === 'string') return problem(attempts);
    return ok({
      name: 'redeploy',
      instance: taken.instance,
      activate: !args.flags.has('no-activate'),
      ...(attempts === undefined ? {} : { attempts }),
    });
  },
  activate: (args) => {
    const taken = takeInstance(args, 1);
    if (typeof taken === 'string') return problem(taken);
    const appserver = appserverNumber(taken.rest[0]);
    return typeof appserver === 'string'
      ? problem(appserver)
      : ok({ name: 'activate', instance: taken.instance, appserver });
  },
  logs: (args) => {
    const taken = takeInstance(args, 1);
    if (typeof taken === 'string') return problem(taken);
    const appserver = appserverNumber(taken.rest[0]);
    if (typeof appserver === 'string') return problem(appserver);
    const lines = countOption(args, 'lines', 1, 500);
    if (typeof lines === 'string') return problem(lines);
    return ok({ name: 'logs', instance: taken.instance, appserver, ...(lines === undefined ? {} : { lines }) });
  },
  archive: instanceOnly('archive'),
  status: instanceOnly('status'),
  restore: instanceOnly('restore'),
  cancel: instanceOnly('cancel'),
  pin: instanceOnly('pin'),
  unpin: instanceOnly('unpin'),
  delete: (args) => {
    const taken = takeInstance(args, 0);
    return typeof taken === 'string'
      ? problem(taken)
      : ok({ name: 'delete', instance: taken.instance, force: args.flags.has('force') });
  },
  extend: (args) => {
    const taken = takeInstance(args, 1);
    if (typeof taken === 'string') return problem(taken);
    const duration = taken.rest[0];
    if (duration === undefined) return problem('say for how long, e.g. 3d or 12h');
    try {
      return ok({ name: 'extend', instance: taken.instance, duration, durationMs: parseDuration(duration) });
    } catch {
      return problem(`"${duration}" is not a duration; use a number and a unit such as 12h or 3d`);
    }
  },
  approve: (args) =>
    args.positionals.length ? problem(`unexpected "${args.positionals.join(' ')}"`) : ok({ name: 'approve' }),
  list: (args) => ok({ name: 'list', filter: args.positionals.join(' ') || null }),
  create: (args) => {
    const repoUrl = args.options.get('repo-url');
    const refOption = args.options.get('ref');
    if (repoUrl === '' || refOption === '') return problem(`--${repoUrl === '' ? 'repo-url' : 'ref'} needs a value`);
    const [slug, ...rest] = args.positionals;
    const repository = repoUrl ?? rest.shift();
    const ref = refOption ?? rest.shift() ?? null;
    if (slug === undefined || repository === undefined)
      return problem('give a slug and a configured repository (owner/name, or --repo-url with its URL)');
    if (rest.length) return problem(`unexpected "${rest.join(' ')}"`);
    return ok({ name: 'create', slug, repository, ref });
  },
  task: (args) => {
    const taken = takeInstance(args, 1);
    if (typeof taken === 'string') return problem(taken);
    const [name, ...rest] = taken.rest;
    if (name === undefined) return problem('name the task to run');
    return rest.length
      ? problem(`unexpected "${rest.join(' ')}"`)
      : ok({ name: 'task', instance: taken.instance, task: name });
  },
} satisfies Record<Exclude<CommandName, 'help'>, ArgumentReader>;
