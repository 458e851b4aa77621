import {
  runCommand,
  type AnswerOf,
  type CommandAnswer,
  type CommandResult,
  type RunnableName,
} from '../core/commands/runners';
import type { SandboxCommand } from '../core/commands';
import type { Instance } from '../core/model';
import type { Store } from '../core/ports/store';
import type { Db } from '../infra/db/database';
import { createSandboxStore } from '../infra/db/sandbox-store';
import { createPullRequestRecords } from '../infra/db/pull-request-records';
import { createSlackMessageRepo } from '../infra/db/slack-message-repo';
import type { OperationPurpose } from '../infra/slack/render/render-operation';
import type { SlackDeps, SlackRequest } from './deps';

/** What a message follows: an operation on one sandbox, or a campaign (its subject is the campaign's id). */
type Followed = { purpose: OperationPurpose | 'campaign'; subjectId: number | null };

type ProgressOf = {
  [N in RunnableName]?: (answer: AnswerOf<N>) => Followed | null;
};

/** Commands whose work a message in the channel follows, and what it follows (null: nothing was started). */
const progress: ProgressOf = {
  redeploy: (answer) => ({ purpose: 'deploy', subjectId: answer.deployment.id }),
  restore: (answer) => ({ purpose: 'deploy', subjectId: answer.deployment.id }),
  create: (answer) => (answer.deployment ? { purpose: 'deploy', subjectId: answer.deployment.id } : null),
  activate: (answer) => ({ purpose: 'activate', subjectId: answer.appserver.id }),
  archive: (answer) => (answer.alreadyArchived ? null : { purpose: 'archive', subjectId: null }),
  delete: () => ({ purpose: 'delete', subjectId: null }),
  campaign: (answer) => (answer.started ? { purpose: 'campaign', subjectId: answer.started.campaign.id } : null),
};

/**
 * Runs a command for one Slack user through the runner every surface
 * shares, with Slack's permissions. A command that starts work runs in one
 * transaction with the record of the message that will follow it: the job,
 * its audit event and the message commit together (or not at all), so the
 * acknowledgement is only sent for work that is durably queued; the first
 * report of the instance posts the message in the request's channel. A
 * refusal (a failed result) keeps what core recorded about it.
 */
export async function runSlackCommand(
  deps: SlackDeps,
  request: SlackRequest,
  command: Exclude<SandboxCommand, { name: 'help' }>,
  instance?: Instance,
): Promise<CommandResult> {
  const commandRequest = {
    actor: { surface: 'slack', id: request.userId } as const,
    command,
    ...(instance ? { instance } : {}),
    authorize: (permission: Parameters<SlackDeps['permissions']['require']>[1]) =>
      deps.permissions.require(request.userId, permission),
    auditDetail: { channel: request.channelId },
    mine: () => deps.messages.instanceIdsOf(request.userId),
  };
  const follow = progress[command.name] as ((answer: CommandAnswer) => Followed | null) | undefined;
  if (!follow) return runCommand(deps.commands, commandRequest);
  // Read before the transaction takes its connection: a read from the pool inside it would wait for a
  // second connection, and at a pool's worth of commands in flight every one of them waits (until the
  // pool's connect timeout).
  const maintenance = await deps.commands.maintenance?.current();
  return deps.db.transaction(async (tx) => {
    const executor = tx as unknown as Db;
    // Core's own transactions join this one (no savepoint: two round trips fewer before the ack).
    const store: Store = { ...createSandboxStore(executor), transaction: (work) => work(store) };
    // Every read the runner makes goes through this transaction's connection.
    const commands = {
      ...deps.commands,
      store,
      ...(deps.commands.pullRequests ? { pullRequests: createPullRequestRecords(executor) } : {}),
      ...(maintenance ? { maintenance: { current: async () => maintenance } } : {}),
    };
    const result = await runCommand(commands, commandRequest);
    const followed = result.ok ? follow(result.answer) : null;
    const instanceId = result.ok && 'sandbox' in result.answer ? result.answer.sandbox.id : null;
    if (result.ok && followed && (instanceId !== null || followed.purpose === 'campaign')) {
      await createSlackMessageRepo(executor).insert({
        instanceId,
        ...followed,
        channel: request.channelId,
        requestedBy: request.userId,
      });
    }
    return result;
  });
}
