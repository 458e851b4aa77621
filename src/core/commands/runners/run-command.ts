import { isSandboxError, type SandboxError, type SandboxErrorCode } from '../../errors';
import type { Store } from '../../ports/store';
import { runners } from './registry';
import { commandPermissions, isRead } from './permissions';
import type { CommandAnswer, CommandDeps, CommandRequest, RunnableName, Runner } from './types';

/** Codes that mean "not allowed" rather than "went wrong", in the audit log. */
const refusals: ReadonlySet<SandboxErrorCode> = new Set(['not_permitted', 'awaiting_approval', 'force_required']);

/** A command's outcome: its answer, or the refusal or failure with its stable code. */
export type CommandResult =
  /** `queuedInMaintenance`: the work was queued during maintenance; surfaces say "in maintenance: <message>, queued". */
  | { ok: true; answer: CommandAnswer; queuedInMaintenance?: { message: string | null } }
  | { ok: false; error: SandboxError };

/**
 * Runs one command for every surface alike: asks the surface whether the
 * person holds the permission the command needs, runs the command's runner,
 * and records what core operations do not record themselves (reads,
 * refusals, failures) in the audit log. Errors other than SandboxError are
 * bugs or outages and are thrown.
 */
export async function runCommand(deps: CommandDeps, request: CommandRequest): Promise<CommandResult> {
  const name = request.command.name;
  try {
    await request.authorize(commandPermissions[name]);
    const answer = await (runners[name] as Runner<RunnableName>)(deps, request);
    if (isRead(name)) {
      await audit(deps.store, request, 'ok', readDetail(answer), 'sandbox' in answer ? answer.sandbox : null);
      return { ok: true, answer };
    }
    // A command on a sandbox is activity: its expiry (last activity + TTL) moves (issue 16). A requested
    // deployment moved it already (requestDeployment): writing it again costs a round trip before the ack.
    const deployed = 'deployment' in answer && answer.deployment !== null;
    if ('sandbox' in answer && name !== 'archive' && name !== 'delete' && !deployed)
      await deps.store.updateInstance(answer.sandbox.id, { lastActivityAt: deps.now() });
    // Writes only record and enqueue: during maintenance they are accepted and wait in the queue.
    // A recipe task is the exception: it ran on the host just now (an operator's tool, CLI only).
    const maintenance = name === 'task' ? null : await deps.maintenance?.current();
    return maintenance?.on
      ? { ok: true, answer, queuedInMaintenance: { message: maintenance.message } }
      : { ok: true, answer };
  } catch (error) {
    if (!isSandboxError(error)) throw error;
    await audit(
      deps.store,
      request,
      refusals.has(error.code) ? 'refused' : 'error',
      { code: error.code, message: error.message },
      null,
    );
    return { ok: false, error };
  }
}

function readDetail(answer: CommandAnswer): Record<string, unknown> {
  if (answer.name === 'list') return { filter: answer.filter, count: answer.sandboxes.length };
  if (answer.name === 'logs') return { appserver: answer.appserver };
  return {};
}

async function audit(
  store: Store,
  request: CommandRequest,
  result: 'ok' | 'refused' | 'error',
  detail: Record<string, unknown>,
  sandbox: { id: number; slug: string } | null,
): Promise<void> {
  const { command, actor } = request;
  const typed = 'instance' in command ? command.instance : 'slug' in command ? command.slug : null;
  const instanceId = sandbox?.id ?? request.instance?.id ?? null;
  const instanceSlug = sandbox?.slug ?? request.instance?.slug ?? typed ?? null;
  await store.recordAudit({
    actor: actor.id,
    surface: actor.surface,
    action: command.name,
    instanceId,
    instanceSlug,
    result,
    detail: { ...request.auditDetail, ...detail },
  });
}
