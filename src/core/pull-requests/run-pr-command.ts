import { parseSandboxCommand, type SandboxCommand } from '../commands';
import { isSandboxError } from '../errors';
import type { Actor } from '../model';
import type { PullRequestRecord } from '../ports/pull-requests';
import { commandRunners, isPullRequestCommand, type CommandAnswer, type PullRequestCommandName, type RunnerContext } from './command-runners';
import { findRepositoryPolicy, type RepositoryPolicy } from './policy';
import { syncPullRequest, type PullRequestDeps } from './sync-pull-request';

/** Buttons on the check run; each maps to the command of the same name. */
export const checkRunActions = ['redeploy', 'activate', 'archive'] as const;
export type CheckRunAction = (typeof checkRunActions)[number];

export interface CommandRequest {
  repository: string;
  number: number;
  installationId: number | null;
  /** GitHub login of whoever commented or pressed the button. */
  login: string;
  /** The text after `/sandbox` (or the mention) in a comment; null for a check run button. */
  text: string | null;
  action: CheckRunAction | null;
  /** When the comment was written (from the issue_comment event); null for a check run button. */
  commentedAt?: Date | null;
}

export type CommandOutcome = { kind: 'ignored' } | { kind: 'answered'; record: PullRequestRecord; command: string; answer: CommandAnswer };

/** Commands anyone may give; everything else needs someone allowed to trigger sandboxes. */
const openToEveryone: ReadonlySet<PullRequestCommandName> = new Set(['status']);

/**
 * Runs a command from a pull request (comment or check run button): parses
 * it, checks the person's permission before anything is enqueued, and acts
 * through the core operations. Every outcome is an answer (reaction and a
 * line for the sticky comment): never silence.
 */
export async function runPullRequestCommand(deps: PullRequestDeps, request: CommandRequest): Promise<CommandOutcome> {
  const repository = findRepositoryPolicy(deps.policy, request.repository);
  if (!repository) return { kind: 'ignored' };
  const synced = await ensureSynced(deps, request);
  if (!synced) return { kind: 'ignored' };
  const { record } = synced;
  const actor: Actor = { surface: 'github', id: request.login };
  const commandText = request.text === null ? `/sandbox ${request.action}` : `/sandbox ${request.text}`.trim();
  const answered = (answer: CommandAnswer): CommandOutcome => ({ kind: 'answered', record, command: commandText, answer });

  const parsed = request.action ? ({ kind: 'run', command: actionCommand(request.action) } as const) : parseSandboxCommand(request.text ?? '', { surface: 'github' });
  if (parsed.kind === 'ignore') return { kind: 'ignored' };
  if (parsed.kind === 'reply') return answered({ reaction: parsed.reason === 'help' ? 'eyes' : 'confused', notice: `@${actor.id}: ${parsed.text}` });
  const command = parsed.command;
  if (!isPullRequestCommand(command)) return answered({ reaction: 'confused', notice: `@${actor.id}: \`/sandbox ${command.name}\` does not work in a pull request.` });

  const instance = synced.instance;
  if (!openToEveryone.has(command.name) && !(await deps.source.mayTrigger(request.repository, actor.id, repository, request.installationId))) {
    await deps.store.recordAudit({ actor: actor.id, surface: 'github', action: command.name, instanceId: instance?.id ?? null, instanceSlug: instance?.slug ?? null, result: 'refused', detail: { reason: 'not_permitted' } });
    return answered({ reaction: '-1', notice: `@${actor.id}: sorry, only ${describeAllowed(repository)} can use \`/sandbox ${command.name}\` here.` });
  }
  if (!instance) return answered({ reaction: 'confused', notice: `@${actor.id}: this pull request has no sandbox (it is closed).` });
  try {
    const commentedAt = synced.fresh ? null : (request.commentedAt ?? null);
    const context = { deps, command, instance, record, actor, commentedAt } as RunnerContext<typeof command.name>;
    return answered(await (commandRunners[command.name] as (c: typeof context) => Promise<CommandAnswer>)(context));
  } catch (error) {
    if (!isSandboxError(error)) throw error;
    await deps.store.recordAudit({ actor: actor.id, surface: 'github', action: command.name, instanceId: instance.id, instanceSlug: instance.slug, result: 'error', detail: { code: error.code, message: error.message } });
    return answered({ reaction: 'confused', notice: `@${actor.id}: ${error.message}` });
  }
}

/** The record and sandbox of the PR, syncing it first (`fresh`) when the bot has not seen it yet. */
async function ensureSynced(deps: PullRequestDeps, request: CommandRequest) {
  const record = await deps.records.find(request.repository, request.number);
  if (record) {
    const instance = record.instanceId === null ? null : await deps.store.getInstance(record.instanceId);
    return { record, instance, fresh: false };
  }
  const outcome = await syncPullRequest(deps, { repository: request.repository, number: request.number, installationId: request.installationId });
  if (outcome.kind === 'open') return { record: outcome.record, instance: outcome.instance, fresh: true };
  if (outcome.kind === 'closed' || outcome.kind === 'deleted') return { record: outcome.record, instance: null, fresh: true };
  return null;
}

function actionCommand(action: CheckRunAction): SandboxCommand {
  if (action === 'redeploy') return { name: 'redeploy', instance: null, activate: true };
  if (action === 'activate') return { name: 'activate', instance: null, appserver: null };
  return { name: 'archive', instance: null };
}

/** "members of acme/devs or people with write permission" */
export function describeAllowed(repository: RepositoryPolicy): string {
  const teams = repository.teams.length ? `members of ${repository.teams.join(', ')} or ` : '';
  return `${teams}people with ${repository.minPermission} permission on ${repository.name}`;
}
