import { isSandboxError } from '../core/errors';
import type { Store } from '../core/ports/store';
import type { Db } from '../infra/db/database';
import { createSandboxStore } from '../infra/db/sandbox-store';
import type { OperationPurpose } from '../infra/slack/render/render-operation';
import { createSlackMessageRepo } from '../infra/slack/slack-message-repo';
import type { SlackDeps, SlackRequest } from './deps';

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs a core operation and records the Slack message that will follow it,
 * in one transaction: the operation's job, its audit event and the message
 * ref commit together (or not at all), so the acknowledgement that follows
 * is only sent for work that is durably queued. Every operation's job
 * reports the instance when it acts, and that first report posts the
 * message in the request's channel. A refusal from core (a SandboxError)
 * keeps whatever core recorded about it, such as a refused audit event.
 */
export async function startOperation<T>(
  deps: Pick<SlackDeps, 'db'>,
  request: SlackRequest & { instanceId: number; purpose: OperationPurpose },
  run: (store: Store) => Promise<{ value: T; subjectId: number | null }>,
): Promise<T> {
  const outcome = await deps.db.transaction(async (tx): Promise<Outcome<T>> => {
    const executor = tx as unknown as Db;
    // Core's own transaction joins this one (no savepoint: two round trips fewer before the ack).
    const store: Store = { ...createSandboxStore(executor), transaction: (work) => work(store) };
    try {
      const { value, subjectId } = await run(store);
      await createSlackMessageRepo(executor).insert({ instanceId: request.instanceId, purpose: request.purpose, subjectId, channel: request.channelId, requestedBy: request.userId });
      return { ok: true, value };
    } catch (error) {
      if (isSandboxError(error)) return { ok: false, error };
      throw error;
    }
  });
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
