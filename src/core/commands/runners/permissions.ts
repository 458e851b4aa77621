import type { CommandName } from '../command-specs';

type RunnableName = Exclude<CommandName, 'help'>;

/** What a person may be allowed to do; each surface says who holds which (Slack and web config, GitHub's trigger policy). */
export type Permission = 'read' | 'deploy' | 'activate' | 'archive' | 'delete' | 'create';

/**
 * The permission each command needs: the one place that decides it. Restore,
 * cancel, extend and approve are part of deploying.
 */
export const commandPermissions = {
  redeploy: 'deploy',
  restore: 'deploy',
  cancel: 'deploy',
  extend: 'deploy',
  approve: 'deploy',
  activate: 'activate',
  archive: 'archive',
  delete: 'delete',
  create: 'create',
  status: 'read',
  logs: 'read',
  list: 'read',
} as const satisfies Record<RunnableName, Permission>;

/** Commands that change nothing: the dispatcher audits them as reads. */
export function isRead(name: RunnableName): boolean {
  return commandPermissions[name] === 'read';
}
