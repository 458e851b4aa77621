import type { CommandName } from '../command-specs';

type RunnableName = Exclude<CommandName, 'help'>;

/** What a person may be allowed to do; each surface says who holds which (Slack and web config, GitHub's trigger policy). */
export type Permission = 'read' | 'deploy' | 'activate' | 'archive' | 'delete' | 'create' | 'pin' | 'campaign';

/**
 * The permission each command needs: the one place that decides it. Restore,
 * cancel, extend and approve are part of deploying; pinning (exempting a
 * sandbox from expiry) is for maintainers; so are campaigns (redeploying
 * many sandboxes at once, or stopping such a run).
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
  // Recipe tasks (service users, OAuth clients, sites) change the sandbox's data, like a deploy.
  task: 'deploy',
  pin: 'pin',
  unpin: 'pin',
  status: 'read',
  logs: 'read',
  list: 'read',
  campaign: 'campaign',
  campaign_control: 'campaign',
  campaigns: 'read',
} as const satisfies Record<RunnableName, Permission>;

/** Commands that change nothing: the dispatcher audits them as reads. */
export function isRead(name: RunnableName): boolean {
  return commandPermissions[name] === 'read';
}
