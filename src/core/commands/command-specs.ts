import type { CampaignOptions } from '../ports/campaigns';
import type { SettingsMap } from '../settings/types';

/** Where a command was typed: a PR comment names its sandbox implicitly; Slack names it in the text. */
export type CommandSurface = 'github' | 'slack';

export type CommandName =
  | 'redeploy'
  | 'activate'
  | 'archive'
  | 'restore'
  | 'delete'
  | 'cancel'
  | 'status'
  | 'logs'
  | 'extend'
  | 'pin'
  | 'unpin'
  | 'approve'
  | 'list'
  | 'create'
  | 'task'
  | 'campaign'
  | 'campaign_control'
  | 'campaigns'
  | 'help';

/**
 * A parsed command. `instance` is what the person typed to name a sandbox
 * (slug, domain, PR URL or `owner/repo#N`, for `resolveInstance`); it is null
 * on GitHub, where the command means the PR's own sandbox.
 */
export type SandboxCommand =
  | { name: 'redeploy'; instance: string | null; activate: boolean; attempts?: number }
  | { name: 'activate'; instance: string | null; appserver: number | null }
  | { name: 'archive'; instance: string | null }
  | { name: 'restore'; instance: string | null }
  | { name: 'delete'; instance: string | null; force: boolean }
  | { name: 'cancel'; instance: string | null }
  | { name: 'status'; instance: string | null }
  | {
      name: 'logs';
      instance: string | null;
      appserver: number | null;
      lines?: number;
      /** The running service's own output instead of the deploy log. */
      runtime?: boolean;
    }
  | { name: 'extend'; instance: string | null; duration: string; durationMs: number }
  | { name: 'pin'; instance: string | null }
  | { name: 'unpin'; instance: string | null }
  | { name: 'approve' }
  | { name: 'list'; filter: string | null; /** Archived ones too (the CLI's --all). */ archived?: boolean }
  | { name: 'task'; instance: string | null; task: string; /** Default: 30 min. */ timeoutMs?: number }
  | {
      name: 'create';
      slug: string;
      /** A configured repository: `owner/name` or its URL. */
      repository: string;
      ref: string | null;
      /** Clone URL instead of the repository's (operators, from the CLI). */
      cloneUrl?: string;
      settings?: SettingsMap;
      production?: boolean;
      /** Deploy it at once (default); the CLI creates without deploying. */
      deploy?: boolean;
    }
  /** A bulk redeploy (`/redeploy --tag T …`, `sbx redeploy --tag T`): `start: false` only plans (the confirmation). */
  | { name: 'campaign'; tag: string; options: CampaignOptions; start: boolean }
  | { name: 'campaign_control'; campaign: number; control: 'pause' | 'resume' | 'cancel' }
  /** One campaign with its items, or all of them (null). */
  | { name: 'campaigns'; campaign: number | null };

export interface CommandSpec {
  surfaces: readonly CommandSurface[];
  /** Arguments after the command name, per surface (GitHub omits the instance). */
  usage: Record<CommandSurface, string>;
  summary: string;
  /** Flags the command accepts (without the leading `--`). */
  flags: readonly string[];
  /** The Slack slash command registered for it in slack-app-manifest.yml (`/redeploy`), if it has its own. */
  slashCommand?: string;
}

/** Every command, in the order help lists them. */
export const commandSpecs = {
  redeploy: {
    surfaces: ['github', 'slack'],
    usage: {
      github: '',
      slack:
        '<instance> [--no-activate] [--attempts N] | --tag T [--filter NAME=VALUE]… [--exclude NAME=VALUE]… [--update NAME=VALUE]… [--batch-size N] [--batch-frequency 10m] [--num-attempts N] [--no-activate]',
    },
    summary: 'deploy the current settings at the newest commit in a new appserver',
    flags: ['no-activate'],
    slashCommand: '/redeploy',
  },
  activate: {
    surfaces: ['github', 'slack'],
    usage: { github: '[N]', slack: '<instance> [N]' },
    summary: 'route the sandbox to appserver N (default: the newest running one)',
    flags: [],
    slashCommand: '/activate',
  },
  archive: {
    surfaces: ['github', 'slack'],
    usage: { github: '', slack: '<instance>' },
    summary: 'stop every appserver and remove the routes; data is kept',
    flags: [],
  },
  restore: {
    surfaces: ['slack'],
    usage: { github: '', slack: '<instance>' },
    summary: 'bring an archived sandbox back (deploys and activates it); redeploy does the same',
    flags: [],
  },
  delete: {
    surfaces: ['slack'],
    usage: { github: '', slack: '<instance> [--force]' },
    summary: 'archive, then destroy the data (databases, volumes)',
    flags: ['force'],
  },
  cancel: {
    surfaces: ['slack'],
    usage: { github: '', slack: '<instance>' },
    summary: 'cancel the unfinished deployments (the current appserver keeps serving)',
    flags: [],
  },
  status: {
    surfaces: ['github', 'slack'],
    usage: { github: '', slack: '<instance>' },
    summary: 'show the URLs, the state and the appservers',
    flags: [],
  },
  logs: {
    surfaces: ['slack'],
    usage: { github: '', slack: '<instance> [N] [--lines L] [--runtime]' },
    summary:
      'show the last lines (default 20) of the deploy log of appserver N (default: the newest); --runtime: its own output since it became healthy',
    flags: ['runtime'],
  },
  extend: {
    surfaces: ['github', 'slack'],
    usage: { github: '<duration>', slack: '<instance> <duration>' },
    summary: 'keep the sandbox alive longer, e.g. 3d or 12h',
    flags: [],
  },
  pin: {
    surfaces: ['github', 'slack'],
    usage: { github: '', slack: '<instance>' },
    summary: 'exempt the sandbox from expiry (maintainers only)',
    flags: [],
  },
  unpin: {
    surfaces: ['github', 'slack'],
    usage: { github: '', slack: '<instance>' },
    summary: 'let the sandbox expire again, a full TTL from now (maintainers only)',
    flags: [],
  },
  approve: {
    surfaces: ['github'],
    usage: { github: '', slack: '' },
    summary: "allow this pull request's code to be deployed (maintainers only)",
    flags: [],
  },
  list: {
    surfaces: ['slack'],
    usage: { github: '', slack: '[mine|failed|repo:<name>|text]' },
    summary: 'list the sandboxes: yours, the failed ones, one repository’s, or those whose name contains the text',
    flags: [],
  },
  create: {
    surfaces: ['slack'],
    usage: { github: '', slack: '<slug> <repository>|--repo-url URL [ref|--ref REF]' },
    summary: 'create a manual sandbox from a configured repository and deploy it',
    flags: [],
  },
  task: {
    // Operators only, from `sbx task <instance> <name>`: no chat surface runs recipe tasks.
    surfaces: [],
    usage: { github: '', slack: '<instance> <task>' },
    summary: 'run one of the recipe’s named tasks on the active appserver’s host',
    flags: [],
  },
  campaign: {
    // Reached through `/redeploy --tag T …` on Slack and `sbx redeploy --tag T` on the CLI.
    surfaces: [],
    usage: { github: '', slack: '--tag T [--filter NAME=VALUE]…' },
    summary: 'redeploy many sandboxes in batches (a campaign), after a confirmation',
    flags: ['no-activate'],
  },
  campaign_control: {
    // `sbx campaigns pause|resume|cancel <id>`.
    surfaces: [],
    usage: { github: '', slack: '<id>' },
    summary: 'pause, resume or cancel a campaign',
    flags: [],
  },
  campaigns: {
    // `sbx campaigns list|show <id>`.
    surfaces: [],
    usage: { github: '', slack: '[id]' },
    summary: 'the campaigns, or one with its items',
    flags: [],
  },
  help: {
    surfaces: ['github', 'slack'],
    usage: { github: '[command]', slack: '[command]' },
    summary: 'show this help, or the usage of one command',
    flags: [],
  },
} as const satisfies Record<CommandName, CommandSpec>;

/**
 * Options that take a value (`--attempts 3` or `--attempts=3`), per command;
 * Slack only (a PR comment has no use for them). Value names are for usage texts.
 */
export const slackCommandOptions: Partial<Record<CommandName, Readonly<Record<string, string>>>> = {
  redeploy: {
    attempts: 'N',
    // With --tag, a campaign (SPEC §7); NAME=VALUE options may be repeated.
    tag: 'T',
    filter: 'NAME=VALUE',
    exclude: 'NAME=VALUE',
    update: 'NAME=VALUE',
    'batch-size': 'N',
    'batch-frequency': 'DURATION',
    'num-attempts': 'N',
    'pre-upgrade': 'SQL',
  },
  logs: { lines: 'L' },
  create: { 'repo-url': 'URL', ref: 'REF' },
};

export interface CommandHelp {
  name: CommandName;
  /** The full invocation, e.g. `/sandbox activate [N]`. */
  usage: string;
  summary: string;
}

/** The commands available on a surface, as data for help texts and Block Kit. */
export function listCommands(surface: CommandSurface): CommandHelp[] {
  return (Object.keys(commandSpecs) as CommandName[])
    .filter((name) => (commandSpecs[name].surfaces as readonly CommandSurface[]).includes(surface))
    .map((name) => ({ name, usage: usageOf(name, surface), summary: commandSpecs[name].summary }));
}

/**
 * The invocation people type on a surface: in Slack a command with a slash
 * command of its own is shown as that (`/redeploy <instance>`), since that is
 * what the app registers; everywhere else `/sandbox <name> <args>`.
 */
export function usageOf(name: CommandName, surface: CommandSurface): string {
  const args = commandSpecs[name].usage[surface];
  return `${invocationOf(name, surface)}${args ? ` ${args}` : ''}`;
}

/** How to invoke a command on a surface, without its arguments (`/redeploy`, `/sandbox archive`). */
export function invocationOf(name: CommandName, surface: CommandSurface): string {
  const spec: CommandSpec = commandSpecs[name];
  return surface === 'slack' && spec.slashCommand ? spec.slashCommand : `/sandbox ${name}`;
}
