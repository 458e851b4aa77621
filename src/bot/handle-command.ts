import { parseSandboxCommand, type ParseResult, type SandboxCommand } from '../core/commands';
import { isSandboxError } from '../core/errors';
import { escapeText, type SlackView } from '../infra/slack/blocks';
import { renderAnswer } from '../infra/slack/render/render-answer';
import { withMaintenanceNote } from '../infra/slack/render/render-maintenance';
import { deletePrompt } from './delete-prompt';
import type { SlackDeps, SlackRequest } from './deps';
import { errorReply } from './error-words';
import { runSlackCommand } from './run-slack-command';

/**
 * Parses a slash command with the shared parser. `/sandbox <text>` is the
 * parser's own syntax; `/redeploy <text>` and `/activate <text>` are
 * `/sandbox redeploy <text>` and `/sandbox activate <text>` (a workspace may
 * rename them: the last word of the command's name decides).
 */
export function parseSlashCommand(command: string, text: string): ParseResult {
  const name = /(redeploy|activate)$/i.exec(command.trim())?.[1]?.toLowerCase();
  if (!name) return parseSandboxCommand(text, { surface: 'slack' });
  const rest = text.trim();
  if (rest === '' || /^(help|-h|--help)$/i.test(rest)) return parseSandboxCommand(`help ${name}`, { surface: 'slack' });
  return parseSandboxCommand(`${name} ${rest}`, { surface: 'slack' });
}

/** Parse → authorize → read or enqueue → the ephemeral reply. Never throws: errors become replies, and land in the audit log. */
export async function handleCommand(
  deps: SlackDeps,
  request: SlackRequest,
  command: string,
  text: string,
): Promise<SlackView> {
  const parsed = parseSlashCommand(command, text);
  if (parsed.kind === 'ignore') return { text: '' };
  if (parsed.kind === 'reply') {
    await audit(deps, request, {
      action: parsed.reason === 'help' ? 'help' : 'command',
      instanceSlug: null,
      result: parsed.reason === 'help' ? 'ok' : 'error',
      detail: { reason: parsed.reason, command, text },
    });
    return { text: escapeText(parsed.text) };
  }
  try {
    if (parsed.command.name === 'delete') return await deletePrompt(deps, request, parsed.command);
    const result = await runSlackCommand(deps, request, parsed.command);
    if (!result.ok) return errorReply(result.error, deps.logger);
    const showCredentials = result.answer.name === 'status' && (await mayDeploy(deps, request.userId));
    return withMaintenanceNote(renderAnswer(result.answer, { showCredentials }), result.queuedInMaintenance);
  } catch (error) {
    await auditFailure(deps, request, parsed.command, error);
    return errorReply(error, deps.logger);
  }
}

async function mayDeploy(deps: SlackDeps, userId: string): Promise<boolean> {
  try {
    await deps.permissions.require(userId, 'deploy');
    return true;
  } catch (error) {
    if (isSandboxError(error, 'not_permitted')) return false;
    throw error;
  }
}

async function auditFailure(
  deps: SlackDeps,
  request: SlackRequest,
  command: SandboxCommand,
  error: unknown,
): Promise<void> {
  await audit(deps, request, {
    action: command.name,
    instanceSlug: 'instance' in command ? command.instance : 'slug' in command ? command.slug : null,
    result: isSandboxError(error, 'not_permitted') ? 'refused' : 'error',
    detail: {
      code: isSandboxError(error) ? error.code : 'internal',
      message: error instanceof Error ? error.message : String(error),
    },
  });
}

/** Records what no runner recorded (a parser reply, a failed delete prompt, a crash); a failing audit log is logged, not shown. */
async function audit(
  deps: SlackDeps,
  request: SlackRequest,
  event: {
    action: string;
    instanceSlug: string | null;
    result: 'ok' | 'refused' | 'error';
    detail: Record<string, unknown>;
  },
): Promise<void> {
  try {
    await deps.store.recordAudit({
      actor: request.userId,
      surface: 'slack',
      action: event.action,
      instanceId: null,
      instanceSlug: event.instanceSlug,
      result: event.result,
      detail: { channel: request.channelId, ...event.detail },
    });
  } catch (auditError) {
    deps.logger.error({ err: auditError }, 'could not record a Slack command in the audit log');
  }
}
