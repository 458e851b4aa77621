import type { ServerResponse } from 'node:http';
import { isSandboxError, type SandboxErrorCode } from '../core/errors';
import { html, page, type PageChrome } from '../infra/http/html';
import { sendHtml } from '../infra/http/router';

/** How the status pages put each error code: HTTP status, a heading and the fix. The one place they do. */
const words: Record<SandboxErrorCode, { status: number; title: string; fix?: string }> = {
  config_invalid: {
    status: 500,
    title: 'The bot’s configuration is invalid',
    fix: 'An operator must fix sandbox.yml (sbx config check).',
  },
  settings_invalid: {
    status: 422,
    title: 'The settings are invalid',
    fix: 'The pull request’s sandbox comment lists the errors.',
  },
  not_permitted: { status: 403, title: 'Not permitted' },
  over_quota: {
    status: 409,
    title: 'Over quota',
    fix: 'Archive one of the sandboxes holding the quota; on a pull request a maintainer can also comment /sandbox approve.',
  },
  awaiting_approval: {
    status: 403,
    title: 'Waiting for approval',
    fix: 'A maintainer approves it with a /sandbox approve comment on the pull request.',
  },
  force_required: { status: 409, title: 'Refused without confirmation' },
  not_found: { status: 404, title: 'Not found' },
  ambiguous: { status: 409, title: 'Ambiguous' },
  conflict: { status: 409, title: 'Not possible right now' },
  illegal_transition: { status: 409, title: 'Not possible in this state' },
  host_unreachable: { status: 502, title: 'A host could not be reached' },
  no_capacity: { status: 503, title: 'No host has room', fix: 'Try again once a host has room.' },
  deploy_failed: { status: 502, title: 'The deploy failed', fix: 'The log is on this sandbox’s page.' },
  health_check_failed: { status: 502, title: 'The health check failed', fix: 'The log is on this sandbox’s page.' },
  load_balancer_failed: {
    status: 502,
    title: 'The load balancer failed',
    fix: 'The previous appserver keeps serving.',
  },
  dns_failed: {
    status: 502,
    title: 'The DNS provider failed',
    fix: 'The change is retried; `sbx doctor` checks the DNS token.',
  },
  database_unavailable: { status: 503, title: 'The database is unavailable', fix: 'Try again in a minute.' },
  maintenance: { status: 503, title: 'The bot is in maintenance', fix: 'Try again later.' },
  usage: { status: 400, title: 'Invalid request' },
};

/** Renders a SandboxError (or any error, as 500) as a page with a way back; returns false for errors it does not know. */
export function sendErrorPage(
  res: ServerResponse,
  error: unknown,
  options: { back?: string; chrome?: PageChrome; redact: (text: string) => string },
): boolean {
  if (!isSandboxError(error)) return false;
  const { status, title, fix } = words[error.code];
  sendProblem(res, status, title, `${options.redact(error.message)}${fix ? `. ${fix}` : ''}`, options);
  return true;
}

export function sendProblem(
  res: ServerResponse,
  status: number,
  title: string,
  message: string,
  options: { back?: string; chrome?: PageChrome } = {},
): void {
  const body = html`<div class="error" role="alert"><h2>${title}</h2><p>${message}</p></div>${options.back ? html`<p><a href="${options.back}">Back</a></p>` : ''}`;
  sendHtml(res, status, page(title, body, options.chrome), { 'cache-control': 'no-store' });
}
