import type { Config } from '../../config/schema';
import { html, page, type SafeHtml } from '../html';
import type { Router } from '../router';
import { sendPage } from '../router';
import type { StatusDeps } from '../status-deps';
import { listInstanceRows, listRepositories, parseFilters } from './dashboard-data';
import { renderAudit, renderFilters, renderHosts, renderInstances, renderQueue } from './dashboard-view';
import { readAuditEvents, readHostLoads, readQueue } from './operations-data';

/** What is configured and what is not, for the dashboard and `sbx doctor`. */
export function describeSurfaces(config: Config): { name: string; on: boolean; detail: string }[] {
  const github = config.github;
  const slack = config.slack;
  const githubOn = Boolean(github.app_id && github.private_key && github.webhook_secret);
  const slackOn = Boolean(slack.bot_token && (slack.signing_secret || slack.app_token));
  const signInOn = Boolean(github.client_id && github.client_secret && (config.web.auth.orgs.length || config.web.auth.teams.length));
  return [
    {
      name: 'GitHub App',
      on: githubOn,
      detail: githubOn ? `app ${github.app_id}` : 'off: set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET (or register the app)',
    },
    {
      name: 'Slack app',
      on: slackOn,
      detail: slackOn ? (slack.app_token ? 'Socket Mode' : 'HTTP at /slack/events') : 'off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN',
    },
    {
      name: 'Sign-in',
      on: signInOn,
      detail: signInOn
        ? `GitHub members of ${[...config.web.auth.orgs, ...config.web.auth.teams].join(', ')}`
        : 'off: set GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and web.auth.orgs or web.auth.teams',
    },
    { name: 'Compute', on: true, detail: `${config.compute.provider} provider` },
    { name: 'Load balancer', on: true, detail: `${config.load_balancer.provider}, *.${config.base_domain}` },
    { name: 'Repositories', on: config.repositories.length > 0, detail: config.repositories.map((r) => r.name).join(', ') || 'none configured in sandbox.yml' },
  ];
}

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
      listRepositories(deps.pool, deps.config.repositories.map((r) => r.name)),
    ]);
    let operations: SafeHtml = html``;
    if (viewer.canRead) {
      const [queue, hosts, audit] = await Promise.all([readQueue(deps.pool, deps.redactor.redact), readHostLoads(deps.pool), readAuditEvents(deps.pool, deps.redactor.redact)]);
      operations = html`<h2 id="jobs">Jobs</h2>${renderQueue(queue)}<h2 id="hosts">Hosts</h2>${renderHosts(hosts)}<h2 id="activity">Recent activity</h2>${renderAudit(audit)}`;
    }
    const surfaces = describeSurfaces(deps.config);
    const body = html`<h2 id="instances">Sandboxes</h2>
${renderFilters(filters, repositories)}
${renderInstances(instances.rows, viewer.canRead, now, filtered)}
${instances.limited ? html`<p class="muted">Showing the 300 most recently changed; narrow the filters to see others.</p>` : ''}
${viewer.canRead ? '' : html`<p class="muted">Sign in with GitHub to see pull requests, jobs, hosts and activity.</p>`}
${operations}
<h2 id="setup">Setup</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Part</th><th scope="col">State</th>${viewer.canRead ? html`<th scope="col">Detail</th>` : ''}</tr></thead><tbody>
${surfaces.map((s) => html`<tr><td>${s.name}</td><td class="${s.on ? 'ok' : 'warn'}">${s.on ? 'on' : 'off'}</td>${viewer.canRead ? html`<td>${s.detail}</td>` : ''}</tr>`)}
</tbody></table></div>
${surfaces.find((s) => s.name === 'GitHub App')?.on ? '' : html`<p><a href="/probot">Register the GitHub App</a> so pull requests get sandboxes (or set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET).</p>`}`;
    await sendPage(req, res, 200, page('Dashboard', body, { login: viewer.login, csrf: viewer.csrf, path: url.pathname + url.search }), { headers: { 'cache-control': 'private, no-store' }, startedAt });
  });
}
