import type { SandboxError, SandboxErrorCode } from '../core/errors';

/** The one place `sbx` turns error codes into words: the exit status and the fix that follows the message. */
const words: Record<SandboxErrorCode, { exitCode: number; fix?: string }> = {
  config_invalid: { exitCode: 2, fix: 'fix sandbox.yml (`sbx config check` lists every problem)' },
  settings_invalid: { exitCode: 1, fix: '`sbx settings explain` shows where' },
  not_permitted: { exitCode: 1 },
  over_quota: {
    exitCode: 1,
    fix: 'archive one of the sandboxes holding the quota (sbx archive <sandbox>); on a pull request a maintainer can also comment `/sandbox approve`',
  },
  awaiting_approval: {
    exitCode: 1,
    fix: 'a maintainer approves it with a `/sandbox approve` comment on the pull request',
  },
  force_required: { exitCode: 1, fix: 'repeat with --force if you mean it' },
  not_found: { exitCode: 1, fix: '`sbx instances list --all` lists the sandboxes' },
  ambiguous: { exitCode: 1 },
  conflict: { exitCode: 1 },
  illegal_transition: { exitCode: 1 },
  host_unreachable: { exitCode: 1, fix: '`sbx doctor` checks every host' },
  no_capacity: { exitCode: 1, fix: '`sbx hosts list` shows the load' },
  deploy_failed: { exitCode: 1, fix: '`sbx logs <instance>` shows the log' },
  health_check_failed: { exitCode: 1, fix: '`sbx logs <instance>` shows the log' },
  load_balancer_failed: { exitCode: 1, fix: '`sbx doctor` checks the load balancer' },
  dns_failed: { exitCode: 1, fix: '`sbx doctor` checks the DNS provider and its token' },
  database_unavailable: { exitCode: 1, fix: 'try again in a minute' },
  maintenance: { exitCode: 1, fix: 'the bot is in maintenance; try again later' },
  usage: { exitCode: 2 },
};

/** What `sbx` prints for a SandboxError, and the exit status. */
export function describeSandboxError(error: SandboxError): { text: string; exitCode: number } {
  const { exitCode, fix } = words[error.code];
  return { text: `${error.message}${fix ? `; ${fix}` : ''}`, exitCode };
}
