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
import { createSandboxStore, withDeploymentFollower } from '../infra/db/sandbox-store';
import { createPullRequestRecords } from '../infra/db/pull-request-records';
import { createSlackMessageRepo, type NewSlackMessage } from '../infra/db/slack-message-repo';
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

/** Commands whose message follows the deployment they request: the store records it with the deployment. */
const followsDeployment: ReadonlySet<RunnableName> = new Set(['redeploy', 'restore', 'create']);

/**
 * Runs a command for one Slack user through the runner every surface
 * shares, with Slack's permissions. A command that starts work records the
 * message that will follow it together with the work (or not at all), so
 * the acknowledgement is only sent for work that is durably queued; the
 * first report of the instance posts the message in the request's channel.
 * A deployment's message goes into the very statement that requests the
 * deployment (no transaction, no extra round trip before the ack: the
 * `/redeploy` hot path); other work runs in one transaction with its
 * message. A refusal (a failed result) keeps what core recorded about it.
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
  if (followsDeployment.has(command.name)) return runFollowingDeployment(deps, request, commandRequest, follow);
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
    const message = messageOf(result, follow, request);
    if (message) await createSlackMessageRepo(executor).insert(message);
    return result;
  });
}

/**
 * A command whose work is a deployment: the store records the message with
 * the deployment, in the statement that requests it (atomic by itself), so
 * the command runs on the pool with no transaction around it.
 */
async function runFollowingDeployment(
  deps: SlackDeps,
  request: SlackRequest,
  commandRequest: Parameters<typeof runCommand>[1],
  follow: (answer: CommandAnswer) => Followed | null,
): Promise<CommandResult> {
  const recorded = new Set<number>();
  const store = withDeploymentFollower(deps.db, deps.store, {
    channel: request.channelId,
    requestedBy: request.userId,
    recorded: (deploymentId) => recorded.add(deploymentId),
  });
  const result = await runCommand({ ...deps.commands, store }, commandRequest);
  const message = messageOf(result, follow, request);
  // Every deployment goes through the store; a path that did not (a bug) still gets its message, unbundled.
  if (message && !(typeof message.subjectId === 'number' && recorded.has(message.subjectId))) {
    deps.logger.warn({ command: commandRequest.command.name }, 'deployment message recorded apart from its deployment');
    await deps.messages.insert(message);
  }
  return result;
}

/** The message that follows what the command started, or null (nothing started, or refused). */
function messageOf(
  result: CommandResult,
  follow: (answer: CommandAnswer) => Followed | null,
  request: SlackRequest,
): NewSlackMessage | null {
  if (!result.ok) return null;
  const followed = follow(result.answer);
  const instanceId = 'sandbox' in result.answer ? result.answer.sandbox.id : null;
  if (!followed || (instanceId === null && followed.purpose !== 'campaign')) return null;
  return { instanceId, ...followed, channel: request.channelId, requestedBy: request.userId };
}
