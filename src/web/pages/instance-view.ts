import { sandboxLinks } from '../../config/sandbox-links';
import type { Config } from '../../config/schema';
import { sandboxUrls } from '../../core/naming/sandbox-urls';
import { unfinishedStates } from '../../core/appserver-state';
import { isExpiryWarned } from '../../core/expiry/expiry-policy';
import type { InstanceStatus } from '../../core/instance-status';
import type { Appserver, Host, Instance } from '../../core/model';
import type { Viewer, WebAction } from '../auth/access';
import { html, type SafeHtml } from '../../infra/http/html';
import { badge, duration, relative, shortSha, when } from './format';
import type { InstancePageData, LogView, RuntimeLogView } from './instance-data';
import { renderDatabases } from './instance-databases';

/** `http://pr42-app.localhost:3000` with the builtin load balancer, `https://pr42-app.sandbox.example.com` behind nginx. */
export function domainUrl(config: Config, domain: string): string {
  return sandboxUrls([domain], sandboxLinks(config))[0]!;
}

const notices: Record<string, (n: string | null) => string> = {
  deploy: () => 'Redeploy requested: a new appserver is on its way; its log appears below once it starts.',
  activate: (n) =>
    `Activation of appserver ${n ?? ''} requested: the domains switch over as soon as the worker has routed them.`,
  restore: () =>
    'The sandbox was archived: it is being restored, and a new appserver is on its way; its log appears below once it starts.',
  archived: () => 'The sandbox is archived already; Redeploy brings it back.',
  cancel: () => 'Cancel requested: unfinished appservers are being stopped.',
  archive: () => 'Archive requested: every appserver is being terminated and the routes removed; the data is kept.',
  extend: () => 'Extended: the new expiry is shown below.',
  pin: () => 'Pinned: the sandbox never expires until it is unpinned.',
  unpin: () => 'Unpinned: the sandbox expires again after its TTL without activity.',
};

export function noticeFor(done: string | null, n: string | null): SafeHtml {
  const words = done ? notices[done] : undefined;
  return words ? html`<div class="notice" role="status">${words(n)}</div>` : html``;
}

function actionForm(viewer: Viewer, action: WebAction, url: string, label: string, aria?: string): SafeHtml {
  if (!viewer.can(action)) return html``;
  return html`<form class="inline" method="post" action="${url}"><input type="hidden" name="_csrf" value="${viewer.csrf ?? ''}"><button type="submit"${aria ? html` aria-label="${aria}"` : ''}>${label}</button></form>`;
}

/** State and domains: all that someone signed out sees. */
export function renderSummary(config: Config, instance: Instance, status: InstanceStatus): SafeHtml {
  return html`<dl class="facts">${summaryItems(config, instance, status)}</dl>`;
}

function summaryItems(config: Config, instance: Instance, status: InstanceStatus): SafeHtml {
  const domains = [instance.domain, ...instance.extraDomains];
  const since =
    status === 'sleeping' && instance.sleepingSince
      ? html` <span class="muted">since ${when(instance.sleepingSince)}; the next request wakes it</span>`
      : status === 'down' && instance.downSince
        ? html` <span class="muted">not answering its health check since ${when(instance.downSince)}</span>`
        : '';
  return html`<dt>State</dt><dd>${badge(status)}${since}</dd>
<dt>Domains</dt><dd>${domains.map((domain, i) => html`${i ? ', ' : ''}<a href="${domainUrl(config, domain)}">${domain}</a>`)}</dd>`;
}

export function renderDetails(config: Config, data: InstancePageData, viewer: Viewer, now: Date): SafeHtml {
  const { instance, status } = data;
  const base = `/sandboxes/${encodeURIComponent(instance.slug)}`;
  const deploying = data.appservers.some((a) => unfinishedStates.includes(a.state));
  const live = !instance.archivedAt && !instance.deletedAt;
  const actions = live
    ? [
        actionForm(viewer, 'deploy', `${base}/redeploy`, 'Redeploy'),
        deploying ? actionForm(viewer, 'cancel', `${base}/cancel`, 'Cancel deploy') : html``,
        actionForm(viewer, 'archive', `${base}/archive`, 'Archive'),
        instance.expiresAt && !instance.pinned ? extendForm(viewer, base) : html``,
        instance.pinned
          ? actionForm(viewer, 'unpin', `${base}/unpin`, 'Unpin')
          : actionForm(viewer, 'pin', `${base}/pin`, 'Pin'),
      ]
    : [];
  return html`<dl class="facts">${summaryItems(config, instance, status)}
${instance.prUrl ? html`<dt>Pull request</dt><dd><a href="${instance.prUrl}">${instance.prRepo}#${instance.prNumber}</a>${instance.prAuthor ? html` by @${instance.prAuthor}` : ''}</dd>` : ''}
<dt>Repository</dt><dd>${instance.prRepo ?? '—'}${instance.ref ? html` <span class="muted">(${instance.ref})</span>` : ''}</dd>
${accessItem(instance, viewer)}
<dt>Kind</dt><dd>${instance.kind}${instance.production ? ', production' : ''}</dd>
<dt>Database</dt><dd>${instance.databaseMode === 'ephemeral' ? 'ephemeral (inside the sandbox)' : 'persistent (external servers)'}</dd>
<dt>TTL</dt><dd>${ttl(instance, now)}</dd>
<dt>Created</dt><dd>${when(instance.createdAt)}</dd>
</dl>
${actions.length ? html`<div class="actions" aria-label="Actions">${actions}</div>` : ''}
<h2 id="appservers">AppServers</h2>
${renderAppservers(data, viewer, base, now)}
${data.log ? renderLog(base, data.log) : html`<h2 id="log">Deploy log</h2><p class="muted">No appserver yet.</p>`}
${data.runtimeLog ? renderRuntimeLog(data.runtimeLog, config.runtime_log.interval) : ''}
<h2 id="fields">Fields</h2>
${data.fields.length ? html`<div class="table-wrap"><table><tbody>${data.fields.map(([key, value]) => html`<tr><th scope="row"><code>${key}</code></th><td><code>${value}</code></td></tr>`)}</tbody></table></div>` : html`<p class="muted">None.</p>`}
<h2 id="tags">Tags</h2>
${data.tags?.length ? html`<p>${data.tags.map((tag, i) => html`${i ? ', ' : ''}<code>${tag}</code>`)}</p>` : html`<p class="muted">None.</p>`}
${data.campaigns?.length ? html`<h2 id="campaigns">Campaigns</h2><div class="table-wrap"><table><thead><tr><th scope="col">Campaign</th><th scope="col">Tag</th><th scope="col">Campaign state</th><th scope="col">This sandbox</th></tr></thead><tbody>${data.campaigns.map((c) => html`<tr><td>${String(c.id)}</td><td><code>${c.tag}</code></td><td>${c.state}</td><td>${c.item}</td></tr>`)}</tbody></table></div>` : ''}
${renderDatabases(instance.slug, data.databases ?? [], data.snapshots ?? [])}
<h2 id="settings">Settings</h2>
${data.settingsYaml ? html`<p class="muted">Repository defaults merged with the pull request’s settings; secrets are shown as ***.</p><pre class="log" tabindex="0">${data.settingsYaml}</pre>` : html`<p class="muted">None.</p>`}`;
}

/** The sandbox's basic-auth credentials: for signed-in people only, never for `public_read` visitors. */
function accessItem(instance: Instance, viewer: Viewer): SafeHtml {
  if (!instance.accessUser || !instance.accessPassword) return html`<dt>Access</dt><dd>public</dd>`;
  if (viewer.login === null)
    return html`<dt>Access</dt><dd>HTTP basic auth <span class="muted">(sign in to see the user and password)</span></dd>`;
  return html`<dt>Access</dt><dd>HTTP basic auth: user <code>${instance.accessUser}</code>, password <code>${instance.accessPassword}</code></dd>`;
}

function ttl(instance: Instance, now: Date): string {
  if (instance.pinned) return 'pinned: never expires';
  if (instance.expiredAt)
    return `archived for inactivity ${instance.expiredAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  if (!instance.expiresAt || instance.archivedAt) return 'no expiry';
  if (instance.sleepingSince)
    return `paused while asleep (it was ${instance.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC; waking moves it on by the time slept)`;
  const warned = isExpiryWarned(instance) ? ' — expiring soon: extend it, or any activity keeps it' : '';
  return `expires ${instance.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (${relative(instance.expiresAt, now)}) unless there is activity${warned}`;
}

/** Extend by a chosen time (the runner bounds it by `expiry.max_extension`). */
function extendForm(viewer: Viewer, base: string): SafeHtml {
  if (!viewer.can('extend')) return html``;
  const options = ['1d', '3d', '7d', '14d'].map((value) => html`<option value="${value}">${value}</option>`);
  return html`<form class="inline" method="post" action="${base}/extend"><input type="hidden" name="_csrf" value="${viewer.csrf ?? ''}"><label>Extend by <select name="duration">${options}</select></label> <button type="submit">Extend</button></form>`;
}

function renderAppservers(data: InstancePageData, viewer: Viewer, base: string, now: Date): SafeHtml {
  if (data.appservers.length === 0) return html`<p class="muted">None yet.</p>`;
  const rows = [...data.appservers].sort((a, b) => b.number - a.number);
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">#</th><th scope="col">State</th><th scope="col">Commit</th><th scope="col">Host</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Active</th><th scope="col">Failure</th><th scope="col">Log</th></tr></thead><tbody>
${rows.map((a) => appserverRow(a, data.instance, data.hosts, viewer, base, now))}
</tbody></table></div>`;
}

function appserverRow(
  a: Appserver,
  instance: Instance,
  hosts: Map<number, Host>,
  viewer: Viewer,
  base: string,
  now: Date,
): SafeHtml {
  const active = instance.activeAppserverId === a.id;
  const end = a.readyAt ?? a.finishedAt ?? a.terminatedAt;
  const activeCell = active
    ? html`<strong class="ok" data-active="true">active</strong>`
    : a.state === 'running' && !instance.archivedAt
      ? actionForm(
          viewer,
          'activate',
          `${base}/appservers/${a.number}/activate`,
          'Activate',
          `Activate appserver ${a.number}`,
        )
      : html``;
  const reason = a.failureReason ?? '';
  const firstLine = reason.split('\n')[0] ?? '';
  return html`<tr id="appserver-${a.number}"><td>${a.number}</td><td>${badge(a.state)}</td><td><code title="${a.commitSha ?? ''}">${shortSha(a.commitSha)}</code></td>
<td>${a.hostId === null ? '—' : (hosts.get(a.hostId)?.name ?? a.hostId)}</td><td>${when(a.createdAt)}</td><td>${duration(a.createdAt, end, now)}</td><td>${activeCell}</td>
<td>${reason ? (reason.includes('\n') ? html`<details><summary>${firstLine}</summary><pre>${reason}</pre></details>` : reason) : ''}</td>
<td><a href="${base}?appserver=${a.number}#log" aria-label="Log of appserver ${a.number}">log</a></td></tr>`;
}

function renderRuntimeLog(log: RuntimeLogView, intervalMs: number): SafeHtml {
  return html`<h2 id="runtime-log">Runtime log · appserver ${log.appserver.number}</h2>
<p class="muted">The service’s own output since it became healthy, copied every ${String(Math.round(intervalMs / 1000))} s while it runs; secrets are redacted.${log.truncated ? ' The last 64 KB.' : ''}</p>
<pre class="log" id="runtime-log-text" tabindex="0" aria-label="Runtime log of appserver ${log.appserver.number}">${log.text || 'Nothing written yet.'}</pre>`;
}

function renderLog(base: string, log: LogView): SafeHtml {
  const logBase = `${base}/appservers/${log.appserver.number}`;
  return html`<h2 id="log">Deploy log · appserver ${log.appserver.number} <span id="log-state">${badge(log.appserver.state)}</span></h2>
<p class="muted">${log.truncated ? 'The last 64 KB. ' : ''}<a href="${logBase}/log.txt">Whole log as text</a></p>
<pre class="log" id="log-text" tabindex="0" aria-label="Deploy log of appserver ${log.appserver.number}"${log.live ? html` data-stream="${logBase}/log/stream?after=${log.lastOffset}"` : ''}>${log.text}</pre>
${log.live ? html`<p id="log-status" class="muted" role="status">Live: new lines appear as the deploy writes them.</p><script src="/assets/live-log.js" defer></script>` : ''}`;
}
