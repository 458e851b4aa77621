import { html, page } from '../../infra/http/html';
import { pageChrome, signInWords } from './page-chrome';
import { queryAuditLog } from '../../infra/db/audit-log';
import { renderAuditEntries } from './audit-page';
import { sendProblem } from '../error-words';
import type { Router } from '../../infra/http/router';
import { sendPage } from '../../infra/http/router';
import type { StatusDeps } from '../status-deps';
import { statusOfInstance } from '../../core/instance-status';
import { loadInstanceDetails } from './instance-data';
import { noticeFor, renderDetails, renderSummary } from './instance-view';

/** `/sandboxes/<slug>`: the check run's details link. Signed out: state and domains only (unless public_read). */
export function registerInstancePage(router: Router, deps: StatusDeps): void {
  router.get('/sandboxes/:slug', async (req, res, { slug }) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://local');
    const viewer = deps.auth.viewer(req);
    const chrome = await pageChrome(deps, viewer, url.pathname + url.search);
    const instance = await deps.store.findInstanceBySlug(slug!.toLowerCase());
    if (!instance || instance.deletedAt) {
      sendProblem(res, 404, 'No such sandbox', `There is no sandbox named ${slug}.`, { back: '/', chrome });
      return;
    }
    const appservers = (await deps.store.listAppservers(instance.id)).map((a) =>
      a.failureReason ? { ...a, failureReason: deps.redactor.redact(a.failureReason) } : a,
    );
    const status = statusOfInstance(instance, appservers);
    let body;
    if (!viewer.canRead) {
      body = html`<h2>${instance.slug}</h2>${renderSummary(deps.config, instance, status)}
<p class="muted">${signInWords(deps)} to see its settings, appservers and deploy log.</p>`;
    } else {
      const chosenText = url.searchParams.get('appserver');
      const chosen = chosenText !== null && /^\d{1,9}$/.test(chosenText) ? Number(chosenText) : null;
      const details = await loadInstanceDetails(deps, instance, appservers, chosen);
      const now = new Date();
      const history = await queryAuditLog(deps.pool, { instance: instance.slug, limit: 50 });
      body = html`${noticeFor(url.searchParams.get('done'), /^\d{1,9}$/.test(url.searchParams.get('n') ?? '') ? url.searchParams.get('n') : null)}<h2>${instance.slug}</h2>
${renderDetails(deps.config, { instance, status, appservers, ...details }, viewer, now)}
<h2 id="history">History</h2>${renderAuditEntries(history, deps.redactor.redact)}<p><a href="/audit?instance=${instance.slug}">The whole audit log of ${instance.slug}</a></p>`;
    }
    const markup = page(instance.slug, body, chrome);
    await sendPage(req, res, 200, markup, { headers: { 'cache-control': 'private, no-store' }, startedAt: started });
  });
}
