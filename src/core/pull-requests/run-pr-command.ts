import { parseSandboxCommand, type ReplyReason, type SandboxCommand } from '../commands';
import { runCommand, type CommandDeps, type CommandResult } from '../commands/runners';
import { SandboxError } from '../errors';
import type { Actor } from '../model';
import type { PullRequestRecord } from '../ports/pull-requests';
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

/** The parser's answer (help, usage, did you mean), or the command's result. */
export type PullRequestAnswer =
  | { kind: 'reply'; reason: ReplyReason; text: string }
  | { kind: 'result'; command: SandboxCommand; result: CommandResult };

export type CommandOutcome =
  | { kind: 'ignored' }
  | { kind: 'answered'; record: PullRequestRecord; actor: Actor; command: string; answer: PullRequestAnswer };

/**
 * Runs a command from a pull request (comment or check run button): parses
 * it and runs it through the runner every surface shares, on the PR's own
 * sandbox, with the repository's trigger policy as the permission check.
 * Every outcome is an answer for the job to render (a reaction and a line
 * in the sticky comment): never silence.
 */
export async function runPullRequestCommand(
  deps: PullRequestDeps & { commands: CommandDeps },
  request: CommandRequest,
): Promise<CommandOutcome> {
  const repository = findRepositoryPolicy(deps.policy, request.repository);
  if (!repository) return { kind: 'ignored' };
  const synced = await ensureSynced(deps, request);
  if (!synced) return { kind: 'ignored' };
  const { record } = synced;
  const actor: Actor = { surface: 'github', id: request.login };
  const commandText = request.text === null ? `/sandbox ${request.action}` : `/sandbox ${request.text}`.trim();
  const answered = (answer: PullRequestAnswer): CommandOutcome => ({
    kind: 'answered',
    record,
    actor,
    command: commandText,
    answer,
  });

  const parsed = request.action
    ? ({ kind: 'run', command: actionCommand(request.action) } as const)
    : parseSandboxCommand(request.text ?? '', { surface: 'github' });
  if (parsed.kind === 'ignore') return { kind: 'ignored' };
  if (parsed.kind === 'reply') return answered({ kind: 'reply', reason: parsed.reason, text: parsed.text });
  const command = parsed.command;
  const result = await runCommand(deps.commands, {
    actor,
    command,
    instance: synced.instance,
    pullRequest: { record, commentedAt: synced.fresh ? null : (request.commentedAt ?? null) },
    async authorize(permission) {
      if (permission === 'read') return;
      if (permission === 'pin') {
        // Exempting a sandbox from expiry is for maintainers, whoever else may trigger.
        if (
          await deps.source.mayTrigger(
            request.repository,
            actor.id,
            { teams: [], minPermission: 'maintain' },
            request.installationId,
          )
        )
          return;
        throw new SandboxError(
          'not_permitted',
          `only people with maintain permission on ${repository.name} can use /sandbox ${command.name}`,
        );
      }
      if (await deps.source.mayTrigger(request.repository, actor.id, repository, request.installationId)) return;
      throw new SandboxError(
        'not_permitted',
        `only ${describeAllowed(repository)} can use /sandbox ${command.name} here`,
      );
    },
  });
  return answered({ kind: 'result', command, result });
}

/** The record and sandbox of the PR, syncing it first (`fresh`) when the bot has not seen it yet. */
async function ensureSynced(deps: PullRequestDeps, request: CommandRequest) {
  const record = await deps.records.find(request.repository, request.number);
  if (record) {
    const instance = record.instanceId === null ? null : await deps.store.getInstance(record.instanceId);
    return { record, instance, fresh: false };
  }
  const outcome = await syncPullRequest(deps, {
    repository: request.repository,
    number: request.number,
    installationId: request.installationId,
  });
  if (outcome.kind === 'open') return { record: outcome.record, instance: outcome.instance, fresh: true };
  if (outcome.kind === 'closed' || outcome.kind === 'deleted' || outcome.kind === 'slug_conflict')
    return { record: outcome.record, instance: null, fresh: true };
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
