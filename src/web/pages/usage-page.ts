import { parseDuration } from '../../core/duration';
import { summarizeUsage, type UsageGroup, type UsageLine } from '../../core/usage/summarize-usage';
import { queryUsage } from '../../infra/db/usage-report';
import { html, page, type SafeHtml } from '../../infra/http/html';
import type { Router } from '../../infra/http/router';
import { sendPage } from '../../infra/http/router';
import { sendProblem } from '../error-words';
import type { StatusDeps } from '../status-deps';
import { pageChrome, signInWords } from './page-chrome';

const titles: Record<UsageGroup, string> = {
  repository: 'Per repository',
  author: 'Per author',
  sandbox: 'Per sandbox',
};

/** `/usage?since=30d`: the cost report of `sbx report usage`, for people who may read. */
export function registerUsagePage(router: Router, deps: StatusDeps): void {
  router.get('/usage', async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const viewer = deps.auth.viewer(req);
    const chrome = await pageChrome(deps, viewer, url.pathname + url.search);
    if (!viewer.canRead)
      return sendProblem(res, 401, 'Sign in first', `${signInWords(deps)} to see the usage report.`, {
        back: '/',
        chrome,
      });
    const since = url.searchParams.get('since')?.trim() || '30d';
    let sinceMs: number;
    try {
      sinceMs = parseDuration(since);
    } catch {
      return sendProblem(res, 400, 'Invalid period', `since "${since}": expected a duration such as 12h, 7d or 30d.`, {
        back: '/usage',
        chrome,
      });
    }
    const until = new Date();
    const from = new Date(until.getTime() - sinceMs);
    const usage = summarizeUsage(await queryUsage(deps.pool, { since: from, until }));
    const body = html`<h2>Usage</h2>
<form class="filters" method="get" action="/usage">
<label>Since <input name="since" value="${since}" placeholder="30d"></label>
<button type="submit">Show</button></form>
<p class="muted">Appserver-hours from ${from.toISOString().slice(0, 16).replace('T', ' ')} to ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC: each appserver counts from its creation to its termination (or failure); hours asleep (<code>sleep_after</code>) are shown apart, from the sleep and wake events of the audit log. <code>sbx report usage --csv</code> gives the same numbers.</p>
${(['repository', 'author', 'sandbox'] as const).map((group) => html`<h3>${titles[group]}</h3>${usageTable(group, usage[group])}`)}`;
    await sendPage(req, res, 200, page('Usage', body, chrome), { headers: { 'cache-control': 'private, no-store' } });
  });
}

function usageTable(group: UsageGroup, lines: readonly UsageLine[]): SafeHtml {
  if (lines.length === 0) return html`<p class="muted">No appservers in this period.</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">${group === 'sandbox' ? 'Sandbox' : group === 'author' ? 'Author' : 'Repository'}</th><th scope="col">Appserver hours (awake)</th><th scope="col">Sleeping hours</th><th scope="col">Appservers</th></tr></thead><tbody>
${lines.map(
  (line) =>
    html`<tr><td>${group === 'sandbox' ? html`<a href="/sandboxes/${line.key}">${line.key}</a>` : line.key}</td><td>${line.appserverHours.toFixed(2)}</td><td>${line.sleepingHours.toFixed(2)}</td><td>${String(line.appservers)}</td></tr>`,
)}
</tbody></table></div>`;
}
