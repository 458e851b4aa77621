import type { Campaign, CampaignItem } from '../../core/ports/campaigns';
import { html, page, type SafeHtml } from '../../infra/http/html';
import type { Router } from '../../infra/http/router';
import { sendPage } from '../../infra/http/router';
import { sendProblem } from '../error-words';
import type { StatusDeps } from '../status-deps';
import { pageChrome, signInWords } from './page-chrome';
import { badge, when } from './format';

const shownCampaigns = 50;

/** `/campaigns`: the newest bulk redeploys with the state of each item, for people who may read. */
export function registerCampaignsPage(router: Router, deps: StatusDeps): void {
  router.get('/campaigns', async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const viewer = deps.auth.viewer(req);
    const chrome = await pageChrome(deps, viewer, url.pathname);
    if (!viewer.canRead)
      return sendProblem(res, 401, 'Sign in first', `${signInWords(deps)} to see the campaigns.`, {
        back: '/',
        chrome,
      });
    const campaigns = (await deps.store.listCampaigns()).slice(0, shownCampaigns);
    const sections: SafeHtml[] = [];
    for (const campaign of campaigns)
      sections.push(renderCampaign(campaign, await deps.store.listCampaignItems(campaign.id)));
    const body = html`<h2>Campaigns</h2>
<p class="muted">Bulk redeploys started with <code>sbx redeploy --tag T</code> or <code>/redeploy --tag T</code> in Slack; pause, resume or cancel them with <code>sbx campaigns</code>.</p>
${sections.length ? sections : html`<p class="muted">No campaigns.</p>`}`;
    await sendPage(req, res, 200, page('Campaigns', body, chrome), {
      headers: { 'cache-control': 'private, no-store' },
    });
  });
}

/** One campaign: its tag, state and progress, and a row per item. */
export function renderCampaign(campaign: Campaign, items: readonly CampaignItem[]): SafeHtml {
  const done = items.filter((i) => i.state === 'succeeded' || i.state === 'failed' || i.state === 'cancelled').length;
  return html`<section aria-labelledby="campaign-${String(campaign.id)}"><h3 id="campaign-${String(campaign.id)}">Campaign ${String(campaign.id)}: <code>${campaign.tag}</code> ${badge(campaign.state)}</h3>
<p><progress max="${String(items.length)}" value="${String(done)}"></progress> ${String(done)} of ${String(items.length)} done · batches of ${String(campaign.options.batchSize)} · started ${when(campaign.createdAt)} by ${campaign.requestedBy} (${campaign.surface})</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Sandbox</th><th scope="col">State</th><th scope="col">Batch</th><th scope="col">Attempts</th><th scope="col">Started</th><th scope="col">Finished</th><th scope="col">Reason</th></tr></thead><tbody>
${items.map((i) => html`<tr><td><a href="/sandboxes/${i.slug}">${i.slug}</a></td><td>${badge(i.state)}</td><td>${i.batch === null ? '—' : String(i.batch)}</td><td>${String(i.attempts)}</td><td>${i.startedAt ? when(i.startedAt) : '—'}</td><td>${i.finishedAt ? when(i.finishedAt) : '—'}</td><td>${i.failureReason ?? ''}</td></tr>`)}
</tbody></table></div></section>`;
}
