import { campaignDefaults } from '../campaigns/campaign-defaults';
import { parseDuration } from '../duration';
import type { CommandName, CommandSurface, SandboxCommand } from './command-specs';

export interface Arguments {
  positionals: string[];
  flags: Set<string>;
  /** Options given with a value (`--attempts 3`, `--attempts=3`); an option left without one maps to ''. */
  options: Map<string, string>;
  /** Every value of each option, in order, for options that may be repeated (`--filter a=1 --filter b=2`). */
  repeated: Map<string, string[]>;
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
  const repeated = new Map<string, string[]>();
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
    if (!valued.includes(key)) {
      flags.add(word.replace(/^--?/, '').toLowerCase());
      continue;
    }
    const value =
      inline !== undefined
        ? inline
        : words[i + 1] !== undefined && !words[i + 1]!.startsWith('--')
          ? words[(i += 1)]!
          : '';
    options.set(key, value);
    repeated.set(key, [...(repeated.get(key) ?? []), value]);
  }
  return { positionals, flags, options, repeated, surface };
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
    if (args.options.has('tag')) return readCampaign(args);
    const campaignOnly = campaignOptionNames.find((name) => name !== 'tag' && args.options.has(name));
    if (campaignOnly) return problem(`--${campaignOnly} is for a campaign: add --tag T`);
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
    return ok({
      name: 'logs',
      instance: taken.instance,
      appserver,
      ...(lines === undefined ? {} : { lines }),
      ...(args.flags.has('runtime') ? { runtime: true } : {}),
    });
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
  campaign: (args) => readCampaign(args),
  // Reached from the CLI only, which builds the command itself.
  campaign_control: () => problem('use sbx campaigns pause|resume|cancel <id>'),
  campaigns: () => problem('use sbx campaigns list|show <id>'),
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

const campaignOptionNames = [
  'tag',
  'filter',
  'exclude',
  'update',
  'batch-size',
  'batch-frequency',
  'num-attempts',
  'pre-upgrade',
] as const;

/**
 * `/redeploy --tag T [--filter NAME=VALUE]… [--exclude NAME=VALUE]…
 * [--update NAME=VALUE]… [--batch-size N] [--batch-frequency D]
 * [--num-attempts N] [--no-activate]`: the plan of a campaign, which the
 * surface confirms before it starts. A filter or exclude named twice means
 * any of its values.
 */
function readCampaign(args: Arguments): ArgumentResult {
  const tag = args.options.get('tag') ?? '';
  if (tag === '') return problem('--tag needs a value, e.g. --tag upgrade-z1');
  if (args.positionals.length)
    return problem(`a campaign picks its sandboxes by --filter, not by name ("${args.positionals.join(' ')}")`);
  if (args.options.has('pre-upgrade'))
    return problem('--pre-upgrade SQL is given from the CLI only (sbx redeploy --tag T --pre-upgrade @file.yml)');
  const pairs = (name: string): Record<string, string | string[]> | string => {
    const result: Record<string, string | string[]> = {};
    for (const pair of args.repeated.get(name) ?? []) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(pair);
      if (!match) return `--${name} takes NAME=VALUE, not "${pair}"`;
      const [, key, value] = match as unknown as [string, string, string];
      const before = result[key];
      result[key] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
    }
    return result;
  };
  const filter = pairs('filter');
  const exclude = pairs('exclude');
  const update = pairs('update');
  for (const read of [filter, exclude, update]) if (typeof read === 'string') return problem(read);
  const updates = update as Record<string, string | string[]>;
  const twice = Object.keys(updates).find((key) => Array.isArray(updates[key]));
  if (twice) return problem(`--update sets ${twice} twice`);
  const batchSize = countOption(args, 'batch-size', 1, 100);
  const numAttempts = countOption(args, 'num-attempts', 1, 10);
  for (const count of [batchSize, numAttempts]) if (typeof count === 'string') return problem(count);
  const frequency = args.options.get('batch-frequency');
  let batchFrequencyMs: number = campaignDefaults.batchFrequencyMs;
  if (frequency !== undefined) {
    try {
      batchFrequencyMs = parseDuration(frequency);
    } catch {
      return problem(`--batch-frequency: "${frequency}" is not a duration; use e.g. 10m or 600s`);
    }
  }
  return ok({
    name: 'campaign',
    tag,
    start: false,
    options: {
      filter: filter as Record<string, unknown>,
      exclude: exclude as Record<string, unknown>,
      update: updates as Record<string, string>,
      preUpgrade: [],
      batchSize: (batchSize as number | undefined) ?? campaignDefaults.batchSize,
      batchFrequencyMs,
      numAttempts: (numAttempts as number | undefined) ?? campaignDefaults.numAttempts,
      activate: !args.flags.has('no-activate'),
    },
  });
}
