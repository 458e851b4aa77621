/**
 * Whether sandbox code is kept away from the bot. SSH (and cloud) hosts are
 * other machines; on the bot's own machine (`local`) appservers run as OS
 * users of their own only when the bot can switch users (it runs as root)
 * and `compute.local.run_as` is set. Otherwise PR code runs as the bot's own
 * user and can read everything the bot can: its secrets, its database files.
 * Example: `{ provider: 'local', runAs: 'sbx-sandbox', canSwitchUsers: false }`
 * → not isolated, because the bot is not root.
 */
export interface SandboxIsolation {
  isolated: boolean;
  /** For the log and `sbx doctor`: what runs as whom. */
  detail: string;
}

export function decideIsolation({
  provider,
  runAs,
  canSwitchUsers,
}: {
  provider: string;
  runAs: string | null;
  canSwitchUsers: boolean;
}): SandboxIsolation {
  if (provider !== 'local') return { isolated: true, detail: `appservers run on ${provider} hosts, away from the bot` };
  if (!runAs)
    return {
      isolated: false,
      detail: 'compute.local.run_as is null: PR code runs as the bot’s own user and can read its secrets',
    };
  if (!canSwitchUsers)
    return {
      isolated: false,
      detail:
        'the bot is not root and cannot switch users: PR code runs as the bot’s own user and can read its secrets',
    };
  return { isolated: true, detail: `each sandbox runs as an OS user of its own (${runAs}-<n>, group ${runAs})` };
}

/** Default work root of local appservers: outside the bot's folder tree (Node must not find the bot's package.json from a checkout). */
export function defaultLocalWorkRoot({ isRoot, home }: { isRoot: boolean; home: string }): string {
  return isRoot ? '/var/lib/sandbox-bot/appservers' : `${home.replace(/\/+$/, '')}/.local/state/sandbox-bot/appservers`;
}
