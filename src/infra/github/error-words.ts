import type { SandboxError, SandboxErrorCode } from '../../core/errors';
import type { Reaction } from './reaction';

/**
 * The one place a pull request comment turns error codes into words: the
 * reaction on the command comment and the fix that follows the message.
 */
const words: Record<SandboxErrorCode, { reaction: Reaction; lead?: string; fix?: string }> = {
  config_invalid: { reaction: 'confused', fix: 'an operator must fix sandbox.yml (`sbx config check`)' },
  settings_invalid: { reaction: 'confused', fix: 'the errors are listed below' },
  not_permitted: { reaction: '-1', lead: 'sorry, ' },
  over_quota: { reaction: 'confused' },
  awaiting_approval: { reaction: 'confused', fix: 'a maintainer can comment `/sandbox approve`' },
  force_required: { reaction: '-1' },
  not_found: { reaction: 'confused' },
  ambiguous: { reaction: 'confused' },
  conflict: { reaction: 'confused' },
  illegal_transition: { reaction: 'confused' },
  host_unreachable: { reaction: 'confused', fix: 'the status page has the details' },
  no_capacity: { reaction: 'confused', fix: 'try again once a host has room' },
  deploy_failed: { reaction: 'confused', fix: 'the status page has the log' },
  health_check_failed: { reaction: 'confused', fix: 'the status page has the log' },
  load_balancer_failed: { reaction: 'confused', fix: 'the previous appserver keeps serving' },
  dns_failed: { reaction: 'confused', fix: 'the DNS change is retried' },
  database_unavailable: { reaction: 'confused', fix: 'try again in a minute' },
  maintenance: { reaction: 'confused', fix: 'the bot is in maintenance; try again later' },
  usage: { reaction: 'confused', fix: '`/sandbox help` lists the commands' },
};

/** `@login: sorry, only … can use /sandbox redeploy here.` and its reaction. */
export function renderError(login: string, error: SandboxError): { reaction: Reaction; notice: string } {
  const { reaction, lead = '', fix } = words[error.code];
  return { reaction, notice: `@${login}: ${lead}${error.message}${fix ? `; ${fix}` : ''}.` };
}
