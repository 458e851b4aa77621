import { describeSurfaces } from '../../config/describe-surfaces';
import { html, page, type SafeHtml } from '../../infra/http/html';
import type { Router } from '../../infra/http/router';
import { sendPage } from '../../infra/http/router';
import type { StatusDeps } from '../status-deps';
import { listInstanceRows, listRepositories } from '../../infra/db/dashboard-queries';
import { parseFilters } from './dashboard-filters';
import { renderAudit, renderFilters, renderHosts, renderInstances, renderQueue } from './dashboard-view';
import { readAuditEvents, readHostLoads, readQueue } from '../../infra/db/operations-queries';
import { readDatabaseServerLoads } from '../../infra/db/database-server-loads';
import { renderDatabaseServers } from './database-servers-view';
import { pageChrome, signInWords } from './page-chrome';

/** `/`: instances with filters and search; for readers also the queue, jobs, hosts and recent audit events. */
export function registerDashboard(router: Router, deps: StatusDeps): void {
  router.get('/', async (req, res) => {
    const startedAt = performance.now();
    const url = new URL(req.url ?? '/', 'http://local');
    const viewer = deps.auth.viewer(req);
    const filters = parseFilters(url.searchParams);
    const filtered = url.search.length > 1;
    const now = new Date();
    const [instances, repositories] = await Promise.all([
      listInstanceRows(deps.pool, filters, viewer.canRead),
      listRepositories(
        deps.pool,
        deps.config.repositories.map((r) => r.name),
      ),
    ]);
    let operations: SafeHtml = html``;
    if (viewer.canRead) {
      const [queue, hosts, audit, databaseServers] = await Promise.all([
        readQueue(deps.pool, deps.redactor.redact),
        readHostLoads(deps.pool),
        readAuditEvents(deps.pool, deps.redactor.redact),
        readDatabaseServerLoads(deps.pool),
      ]);
      operations = html`<h2 id="jobs">Jobs</h2>${renderQueue(queue)}<h2 id="hosts">Hosts</h2>${renderHosts(hosts)}<h2 id="database-servers">Database servers</h2>${renderDatabaseServers(databaseServers)}<h2 id="activity">Recent activity</h2>${renderAudit(audit)}<p><a href="/audit">The whole audit log, with filters</a> · <a href="/usage">Usage (appserver-hours)</a></p>`;
    }
    const surfaces = describeSurfaces(deps.config);
    const body = html`<h2 id="instances">Sandboxes</h2>
${renderFilters(filters, repositories)}
${renderInstances(instances.rows, viewer.canRead, now, filtered)}
${instances.limited ? html`<p class="muted">Showing the 300 most recently changed; narrow the filters to see others.</p>` : ''}
${viewer.canRead ? '' : html`<p class="muted">${signInWords(deps)} to see pull requests, jobs, hosts and activity.</p>`}
${operations}
<h2 id="setup">Setup</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Part</th><th scope="col">State</th>${viewer.canRead ? html`<th scope="col">Detail</th>` : ''}</tr></thead><tbody>
${surfaces.map((s) => html`<tr><td>${s.name}</td><td class="${s.on ? 'ok' : 'warn'}">${s.on ? 'on' : 'off'}</td>${viewer.canRead ? html`<td>${s.detail}</td>` : ''}</tr>`)}
</tbody></table></div>
${surfaces.find((s) => s.name === 'GitHub App')?.on ? '' : html`<p><a href="/probot">Register the GitHub App</a> so pull requests get sandboxes (or set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET).</p>`}`;
    await sendPage(req, res, 200, page('Dashboard', body, await pageChrome(deps, viewer, url.pathname + url.search)), {
      headers: { 'cache-control': 'private, no-store' },
      startedAt,
    });
  });
}
