import { parseDuration } from '../../core/duration';
import { queryAuditLog, type AuditEntry } from '../../infra/db/audit-log';
import { html, page, type SafeHtml } from '../../infra/http/html';
import type { Router } from '../../infra/http/router';
import { sendPage } from '../../infra/http/router';
import { sendProblem } from '../error-words';
import type { StatusDeps } from '../status-deps';
import { pageChrome, signInWords } from './page-chrome';
import { badge, when } from './format';

const surfaces = ['github', 'slack', 'web', 'cli', 'system'] as const;

/** `/audit?instance=&actor=&surface=&since=7d`: the filters of `sbx audit`, for people who may read. */
export function registerAuditPage(router: Router, deps: StatusDeps): void {
  router.get('/audit', async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const viewer = deps.auth.viewer(req);
    const chrome = await pageChrome(deps, viewer, url.pathname + url.search);
    if (!viewer.canRead)
      return sendProblem(res, 401, 'Sign in first', `${signInWords(deps)} to see the audit log.`, {
        back: '/',
        chrome,
      });
    const query = url.searchParams;
    const text = (name: string) => query.get(name)?.trim() || null;
    const surface = text('surface');
    const since = text('since');
    let sinceDate: Date | null = null;
    try {
      sinceDate = since ? new Date(Date.now() - parseDuration(since)) : null;
    } catch {
      return sendProblem(res, 400, 'Invalid filter', `since "${since}": expected a duration such as 30m, 12h or 7d.`, {
        back: '/audit',
        chrome,
      });
    }
    const filters = {
      instance: text('instance')?.toLowerCase() ?? null,
      actor: text('actor'),
      surface: surface && (surfaces as readonly string[]).includes(surface) ? surface : null,
      since: sinceDate,
      limit: 300,
    };
    const entries = await queryAuditLog(deps.pool, filters);
    const body = html`<h2>Audit log</h2>
<form class="filters" method="get" action="/audit">
<label>Sandbox <input name="instance" value="${filters.instance ?? ''}"></label>
<label>Who <input name="actor" value="${filters.actor ?? ''}"></label>
<label>Surface <select name="surface"><option value="">any</option>${surfaces.map((s) => html`<option${s === filters.surface ? html` selected` : ''}>${s}</option>`)}</select></label>
<label>Since <input name="since" value="${since ?? ''}" placeholder="7d"></label>
<button type="submit">Filter</button></form>
${renderAuditEntries(entries, deps.redactor.redact)}
${entries.length === 300 ? html`<p class="muted">Showing the 300 most recent; narrow the filters to see older ones.</p>` : ''}`;
    await sendPage(req, res, 200, page('Audit log', body, chrome), {
      headers: { 'cache-control': 'private, no-store' },
    });
  });
}

/** Audit events as a table: who, surface, what, sandbox, result when asked, and the final outcome of queued work. */
export function renderAuditEntries(entries: readonly AuditEntry[], redact: (text: string) => string): SafeHtml {
  if (entries.length === 0) return html`<p class="muted">No events.</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Surface</th><th scope="col">What</th><th scope="col">Sandbox</th><th scope="col">Result</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead><tbody>
${entries.map((e) => {
  const { jobId: _job, outcome: _outcome, outcomeAt: _at, ...rest } = e.detail;
  const detail = Object.keys(rest).length ? redact(JSON.stringify(rest)) : '';
  return html`<tr><td>${when(e.at)}</td><td>${e.actor}</td><td>${e.surface}</td><td>${e.action}</td>
<td>${e.instance ? html`<a href="/sandboxes/${e.instance}">${e.instance}</a>` : '—'}</td><td>${badge(e.result)}</td>
<td>${e.outcome ? html`${badge(e.outcome)}${e.jobId ? html` <span class="muted">job ${e.jobId}</span>` : ''}` : '—'}</td><td><code>${detail.length > 200 ? `${detail.slice(0, 199)}…` : detail}</code></td></tr>`;
})}
</tbody></table></div>`;
}
