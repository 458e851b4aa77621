/**
 * Stable error codes. Every surface (GitHub comment, Slack reply, status page,
 * CLI) maps codes to words in one place; never branch on message text.
 */
export type SandboxErrorCode =
  | 'config_invalid'
  | 'settings_invalid'
  | 'not_permitted'
  /** A pull request waits for a maintainer's approval before it deploys. */
  | 'awaiting_approval'
  /** A live-sandbox quota is full (issue 16): archive a sandbox holding it, or (PRs) a maintainer approves. */
  | 'over_quota'
  /** Refused unless asked for explicitly (deleting a production sandbox). */
  | 'force_required'
  | 'not_found'
  | 'ambiguous'
  | 'conflict'
  | 'illegal_transition'
  | 'host_unreachable'
  | 'no_capacity'
  | 'deploy_failed'
  | 'health_check_failed'
  | 'load_balancer_failed'
  /** The DNS provider refused or failed a record change (after retries). */
  | 'dns_failed'
  | 'database_unavailable'
  | 'maintenance'
  | 'usage';

export class SandboxError extends Error {
  readonly code: SandboxErrorCode;

  constructor(code: SandboxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxError';
    this.code = code;
  }
}

export function isSandboxError(error: unknown, code?: SandboxErrorCode): error is SandboxError {
  return error instanceof SandboxError && (code === undefined || error.code === code);
}
