import { formatDuration, parseDuration } from '../duration';
import { SandboxError } from '../errors';
import type { Actor, Instance } from '../model';
import { activate, archive, requestDeployment, restore } from '../operations/operations';
import type { PullRequestRecord } from '../ports/pull-requests';
import type { SandboxCommand } from '../commands';
import { approvalCovers } from './policy';
import type { PullRequestDeps } from './sync-pull-request';

/** GitHub's reactions that the bot uses to acknowledge a command comment. */
export type Reaction = '+1' | '-1' | 'confused' | 'eyes' | 'rocket';

/** The answer to a command: a reaction on the comment and a line folded into the sticky comment. */
export interface CommandAnswer {
  reaction: Reaction;
  notice: string;
  /** The pull request must be synced again (after an approval). */
  resync?: boolean;
}

export type PullRequestCommandName = 'redeploy' | 'activate' | 'archive' | 'status' | 'approve' | 'extend';

export interface RunnerContext<N extends PullRequestCommandName> {
  deps: PullRequestDeps;
  command: Extract<SandboxCommand, { name: N }>;
  instance: Instance;
  record: PullRequestRecord;
  actor: Actor;
  /** When the command's comment was written (GitHub's clock); null for buttons and for a PR the bot synced only now. */
  commentedAt: Date | null;
}

type Runner<N extends PullRequestCommandName> = (context: RunnerContext<N>) => Promise<CommandAnswer>;

/** Longest `/sandbox extend` at once. */
export const maxExtendMs = parseDuration('90d');

const mention = (actor: Actor) => `@${actor.id}`;

async function redeploy({ deps, command, instance, record, actor }: RunnerContext<'redeploy'>): Promise<CommandAnswer> {
  if (record.state === 'closed') return { reaction: 'confused', notice: `${mention(actor)}: this pull request is closed; reopen it to get its sandbox back.` };
  if (record.waiting === 'approval') return { reaction: 'confused', notice: `${mention(actor)}: this pull request waits for \`/sandbox approve\` from a maintainer before anything deploys.` };
  if (record.waiting === 'isolation') return { reaction: 'confused', notice: `${mention(actor)}: fork pull requests are not deployed on this host, where sandbox code would run as the bot's own user; see \`trigger.allow_forks_unisolated\`.` };
  if (instance.settingsErrors.length) return { reaction: 'confused', notice: `${mention(actor)}: the **Settings** block has errors (see below); fix them and the sandbox redeploys by itself.` };
  if (instance.archivedAt) {
    await restore({ store: deps.store }, instance, { actor });
    return { reaction: 'rocket', notice: `${mention(actor)} restored the sandbox; deploying ${short(instance.prHeadSha)}.` };
  }
  await requestDeployment({ store: deps.store }, instance, { actor, commitSha: instance.prHeadSha, activateOnSuccess: command.activate, ...(command.attempts ? { attempts: command.attempts } : {}) });
  return { reaction: 'rocket', notice: `${mention(actor)} asked for a redeploy of ${short(instance.prHeadSha)}${command.activate ? '' : ' (without activating it)'}.` };
}

/** The runner of every command a pull request comment can give: a missing entry is a compile error. */
export const commandRunners: { [N in PullRequestCommandName]: Runner<N> } = {
  redeploy,
  async activate({ deps, command, instance, actor }) {
    const appserver = await activate({ store: deps.store }, instance, { actor, ...(command.appserver === null ? {} : { number: command.appserver }) });
    return { reaction: 'rocket', notice: `${mention(actor)} activated appserver ${appserver.number}.` };
  },
  async archive({ deps, instance, actor }) {
    if (instance.archivedAt) return { reaction: 'eyes', notice: `${mention(actor)}: the sandbox is archived already; \`/sandbox redeploy\` brings it back.` };
    await archive({ store: deps.store }, instance, { actor });
    return { reaction: '+1', notice: `${mention(actor)} archived the sandbox; \`/sandbox redeploy\` brings it back.` };
  },
  async status({ actor, deps }) {
    return { reaction: 'eyes', notice: `${mention(actor)} asked for the status; this comment shows it as of ${deps.now().toISOString().slice(0, 16).replace('T', ' ')} UTC.` };
  },
  async approve({ deps, instance, record, actor, commentedAt }) {
    // The approval belongs to the head the bot recorded (and showed) when the comment was written.
    // A sync after the comment may have recorded a newer push the approver never saw: ask again.
    if (commentedAt && record.syncedAt && record.syncedAt > commentedAt) {
      return { reaction: 'confused', notice: `${mention(actor)}: the pull request changed after your comment (its head is now ${short(record.headSha)}); look at it and comment \`/sandbox approve\` again.` };
    }
    if (approvalCovers(instance, record.headSha)) return { reaction: 'eyes', notice: `${mention(actor)}: @${instance.approvedBy} approved ${short(record.headSha)} already.` };
    await deps.store.transaction(async (store) => {
      await store.updateInstance(instance.id, { approvedBy: actor.id, approvedSha: record.headSha });
      await store.recordAudit({ actor: actor.id, surface: actor.surface, action: 'approve', instanceId: instance.id, instanceSlug: instance.slug, result: 'ok', detail: { sha: record.headSha } });
    });
    const then = record.draft ? 'it deploys once it is ready for review' : 'deploying';
    return { reaction: '+1', notice: `${mention(actor)} approved ${short(record.headSha)}; ${then}. Later commits from the author wait for a new approval.`, resync: true };
  },
  async extend({ deps, command, instance, actor }) {
    if (command.durationMs > maxExtendMs) throw new SandboxError('usage', `extend by at most ${formatDuration(maxExtendMs)} at a time, not ${command.duration}`);
    const from = Math.max(deps.now().getTime(), instance.expiresAt?.getTime() ?? 0);
    const expiresAt = new Date(from + command.durationMs);
    await deps.store.transaction(async (store) => {
      await store.updateInstance(instance.id, { expiresAt, lastActivityAt: deps.now() });
      await store.recordAudit({ actor: actor.id, surface: actor.surface, action: 'extend', instanceId: instance.id, instanceSlug: instance.slug, result: 'ok', detail: { duration: command.duration, expiresAt: expiresAt.toISOString() } });
    });
    return { reaction: '+1', notice: `${mention(actor)} extended the sandbox until ${expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.` };
  },
};

export function isPullRequestCommand(command: SandboxCommand): command is Extract<SandboxCommand, { name: PullRequestCommandName }> {
  return Object.hasOwn(commandRunners, command.name);
}

function short(sha: string | null): string {
  return sha ? `\`${sha.slice(0, 7)}\`` : 'the head commit';
}
