import { isSandboxError } from '../core/errors';
import type { Store } from '../core/ports/store';
import { reportChange } from '../core/provisioning/report-change';
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
 * is only sent for work that is durably queued. The first report posts the
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
    const store = createSandboxStore(executor);
    try {
      const { value, subjectId } = await run(store);
      await createSlackMessageRepo(executor).insert({ instanceId: request.instanceId, purpose: request.purpose, subjectId, channel: request.channelId, requestedBy: request.userId });
      await reportChange(store, request.instanceId);
      return { ok: true, value };
    } catch (error) {
      if (isSandboxError(error)) return { ok: false, error };
      throw error;
    }
  });
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
