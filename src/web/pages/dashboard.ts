import { desc, isNull } from 'drizzle-orm';
import { instances } from '../../../drizzle/schema';
import type { Config } from '../../config/schema';
import type { WebDeps } from '../deps';
import { html, page, type SafeHtml } from '../html';
import type { Router } from '../router';
import { sendHtml } from '../router';

/** What is configured and what is not, for the dashboard and `sbx doctor`. */
export function describeSurfaces(config: Config): { name: string; on: boolean; detail: string }[] {
  const github = config.github;
  const slack = config.slack;
  const githubOn = Boolean(github.app_id && github.private_key && github.webhook_secret);
  const slackOn = Boolean(slack.bot_token && (slack.signing_secret || slack.app_token));
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
    { name: 'Compute', on: true, detail: `${config.compute.provider} provider` },
    { name: 'Load balancer', on: true, detail: `${config.load_balancer.provider}, *.${config.base_domain}` },
    { name: 'Repositories', on: config.repositories.length > 0, detail: config.repositories.map((r) => r.name).join(', ') || 'none configured in sandbox.yml' },
  ];
}

export function registerDashboard(router: Router, deps: WebDeps): void {
  router.get('/', async (_req, res) => {
    const rows = await deps.db.select().from(instances).where(isNull(instances.deletedAt)).orderBy(desc(instances.updatedAt)).limit(200);
    const surfaces = describeSurfaces(deps.config);
    const body: SafeHtml = html`
<h2>Configuration</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Part</th><th scope="col">State</th><th scope="col">Detail</th></tr></thead><tbody>
${surfaces.map((s) => html`<tr><td>${s.name}</td><td class="${s.on ? 'ok' : 'warn'}">${s.on ? 'on' : 'off'}</td><td>${s.detail}</td></tr>`)}
</tbody></table></div>
<h2>Instances</h2>
${
  rows.length === 0
    ? html`<p class="muted">No sandboxes yet. Open a pull request in a configured repository, or run <code>npx sbx instances create</code>.</p>`
    : html`<div class="table-wrap"><table><thead><tr><th scope="col">Sandbox</th><th scope="col">Kind</th><th scope="col">Domain</th><th scope="col">Archived</th></tr></thead><tbody>
${rows.map((row) => html`<tr><td><a href="/sandboxes/${row.slug}">${row.slug}</a></td><td>${row.kind}</td><td>${row.domain}</td><td>${row.archivedAt ? 'yes' : ''}</td></tr>`)}
</tbody></table></div>`
}`;
    sendHtml(res, 200, page('Dashboard', body));
  });
}
