import type { CommandName, SandboxCommand } from '../../core/commands';
import { SandboxError } from '../../core/errors';
import type { Actor, Instance } from '../../core/model';
import type { SlackView } from '../../infra/slack/blocks';
import type { SlackDeps, SlackRequest } from '../deps';

export type CommandOf<N extends SandboxCommand['name']> = Extract<SandboxCommand, { name: N }>;

/** Runs one parsed command for one Slack user: authorize, then read or enqueue; returns the ephemeral reply. */
export type Runner<N extends SandboxCommand['name']> = (deps: SlackDeps, request: SlackRequest, command: CommandOf<N>) => Promise<SlackView>;

/** Every command that runs (help is a parser reply). */
export type RunnerName = Exclude<CommandName, 'help'>;

export const slackActor = (userId: string): Actor => ({ surface: 'slack', id: userId });

/** On Slack the parser always fills the instance; this keeps the type honest. */
export function instanceReference(command: { instance: string | null }): string {
  if (command.instance === null) throw new SandboxError('usage', 'name the sandbox (slug, domain, PR URL or owner/repo#N)');
  return command.instance;
}

/** Audit event for a command that reads (core operations audit the ones that change things). */
export async function auditRead(deps: SlackDeps, request: SlackRequest, action: string, instance: Instance | null, detail: Record<string, unknown> = {}): Promise<void> {
  await deps.store.recordAudit({ actor: request.userId, surface: 'slack', action, instanceId: instance?.id ?? null, instanceSlug: instance?.slug ?? null, result: 'ok', detail: { channel: request.channelId, ...detail } });
}
