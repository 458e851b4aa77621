import { parseDuration } from '../duration';
import type { CommandName, CommandSurface, SandboxCommand } from './command-specs';

export interface Arguments {
  positionals: string[];
  flags: Set<string>;
  surface: CommandSurface;
}

/** Either the command or the reason its arguments do not fit (shown with the usage line). */
export type ArgumentResult = { ok: true; command: SandboxCommand } | { ok: false; problem: string };

type ArgumentReader = (args: Arguments) => ArgumentResult;

const ok = (command: SandboxCommand): ArgumentResult => ({ ok: true, command });
const problem = (text: string): ArgumentResult => ({ ok: false, problem: text });

/** Splits the text into words and `--flags`; Slack's `<url|label>` links become their URL. */
export function tokenize(text: string, surface: CommandSurface): Arguments {
  const positionals: string[] = [];
  const flags = new Set<string>();
  for (const raw of text.trim().split(/\s+/).filter(Boolean)) {
    const word = raw.replace(/^<([^|>]+)(?:\|[^>]*)?>$/, '$1');
    if (/^--?[a-z]/i.test(word)) flags.add(word.replace(/^--?/, '').toLowerCase());
    else positionals.push(word);
  }
  return { positionals, flags, surface };
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

function instanceOnly<N extends 'archive' | 'status'>(name: N): ArgumentReader {
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
    return ok({ name: 'redeploy', instance: taken.instance, activate: !args.flags.has('no-activate') });
  },
  activate: (args) => {
    const taken = takeInstance(args, 1);
    if (typeof taken === 'string') return problem(taken);
    const appserver = appserverNumber(taken.rest[0]);
    return typeof appserver === 'string' ? problem(appserver) : ok({ name: 'activate', instance: taken.instance, appserver });
  },
  logs: (args) => {
    const taken = takeInstance(args, 1);
    if (typeof taken === 'string') return problem(taken);
    const appserver = appserverNumber(taken.rest[0]);
    return typeof appserver === 'string' ? problem(appserver) : ok({ name: 'logs', instance: taken.instance, appserver });
  },
  archive: instanceOnly('archive'),
  status: instanceOnly('status'),
  delete: (args) => {
    const taken = takeInstance(args, 0);
    return typeof taken === 'string' ? problem(taken) : ok({ name: 'delete', instance: taken.instance, force: args.flags.has('force') });
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
  approve: (args) => (args.positionals.length ? problem(`unexpected "${args.positionals.join(' ')}"`) : ok({ name: 'approve' })),
  list: (args) => ok({ name: 'list', filter: args.positionals.join(' ') || null }),
  create: (args) => {
    const [slug, repository, ref, ...extra] = args.positionals;
    if (slug === undefined || repository === undefined) return problem('give a slug and a configured repository (owner/name)');
    if (extra.length) return problem(`unexpected "${extra.join(' ')}"`);
    return ok({ name: 'create', slug, repository, ref: ref ?? null });
  },
} satisfies Record<Exclude<CommandName, 'help'>, ArgumentReader>;
