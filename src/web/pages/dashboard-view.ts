import { instanceStatuses } from '../../core/instance-status';
import { html, type SafeHtml } from '../../infra/http/html';
import type { DashboardFilters, InstanceRow } from '../../infra/db/dashboard-queries';
import { badge, relative, when } from './format';
import type { AuditRow, HostLoad, QueueSummary } from '../../infra/db/operations-queries';

const option = (value: string, label: string, selected: string) =>
  html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;

export function renderFilters(filters: DashboardFilters, repositories: string[]): SafeHtml {
  return html`<form class="filters" method="get" action="/" role="search" aria-label="Filter sandboxes">
<label>Search<input type="search" name="q" value="${filters.q}" placeholder="slug, domain, author…"></label>
<label>Repository<select name="repository">${option('', 'all', filters.repository)}${repositories.map((name) => option(name, name, filters.repository))}</select></label>
<label>State<select name="state">${option('', 'all', filters.state)}${instanceStatuses.filter((s) => s !== 'deleted').map((s) => option(s, s, filters.state))}</select></label>
<label>Kind<select name="kind">${option('', 'all', filters.kind)}${option('pr', 'pull request', filters.kind)}${option('manual', 'manual', filters.kind)}</select></label>
<label>Archived<select name="archived">${option('no', 'hide archived', filters.archived)}${option('yes', 'only archived', filters.archived)}${option('all', 'show all', filters.archived)}</select></label>
<button type="submit">Filter</button> <a href="/">Reset</a></form>`;
}

export function renderInstances(rows: InstanceRow[], detailed: boolean, now: Date, filtered: boolean): SafeHtml {
  if (rows.length === 0) {
    return filtered
      ? html`<p class="muted">No sandbox matches these filters.</p>`
      : html`<p class="muted">No sandboxes yet. Open a pull request in a configured repository, or run <code>npx sbx instances create</code>.</p>`;
  }
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">Sandbox</th><th scope="col">State</th><th scope="col">Domain</th>${detailed ? html`<th scope="col">Pull request</th><th scope="col">Kind</th><th scope="col">AppServers</th><th scope="col">Updated</th>` : ''}</tr></thead><tbody>
${rows.map(
  (row) =>
    html`<tr><td><a href="/sandboxes/${row.slug}">${row.slug}</a></td><td>${badge(row.status)}</td><td>${row.domain}</td>${
      detailed
        ? html`<td>${row.prUrl ? html`<a href="${row.prUrl}">${row.repository}#${row.prNumber}</a>${row.prAuthor ? html` <span class="muted">@${row.prAuthor}</span>` : ''}` : (row.repository ?? '—')}</td><td>${row.kind}</td><td>${row.appservers}</td><td title="${row.updatedAt.toISOString()}">${relative(row.updatedAt, now)}</td>`
        : ''
    }</tr>`,
)}
</tbody></table></div>`;
}

export function renderQueue(queue: QueueSummary): SafeHtml {
  return html`<div class="stats" role="list">
<div role="listitem"><strong>${queue.ready}</strong>queued</div><div role="listitem"><strong>${queue.scheduled}</strong>scheduled</div>
<div role="listitem"><strong>${queue.running}</strong>running</div><div role="listitem"><strong class="${queue.failed ? 'bad' : ''}">${queue.failed}</strong>failed</div></div>
<h3>Running jobs</h3>
${
  queue.runningJobs.length
    ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Job</th><th scope="col">Task</th><th scope="col">Sandbox</th><th scope="col">Since</th><th scope="col">Attempt</th></tr></thead><tbody>
${queue.runningJobs.map((job) => html`<tr><td>${job.id}</td><td>${job.task}</td><td>${job.slug ? html`<a href="/sandboxes/${job.slug}">${job.slug}</a>` : (job.queue ?? '—')}</td><td>${when(job.lockedAt)}</td><td>${job.attempts}</td></tr>`)}
</tbody></table></div>`
    : html`<p class="muted">None.</p>`
}
<h3>Failed jobs</h3>
${
  queue.erroredJobs.length
    ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Job</th><th scope="col">Task</th><th scope="col">Sandbox</th><th scope="col">Status</th><th scope="col">Error</th></tr></thead><tbody>
${queue.erroredJobs.map(
  (
    job,
  ) => html`<tr><td>${job.id}</td><td>${job.task}</td><td>${job.slug ? html`<a href="/sandboxes/${job.slug}">${job.slug}</a>` : (job.queue ?? '—')}</td>
<td>${job.retryAt ? html`retrying (attempt ${job.attempts} of ${job.maxAttempts}), next ${when(job.retryAt)}` : html`${badge('failed')} after ${job.attempts} attempts, ${when(job.at)}`}</td>
<td><details><summary>${job.error.split('\n')[0]}</summary><pre>${job.error}</pre></details></td></tr>`,
)}
</tbody></table></div>`
    : html`<p class="muted">None.</p>`
}`;
}

export function renderHosts(hosts: HostLoad[]): SafeHtml {
  if (hosts.length === 0) return html`<p class="muted">No hosts yet.</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">Host</th><th scope="col">Provider</th><th scope="col">Load</th><th scope="col">Deploying</th><th scope="col">New appservers</th><th scope="col">Last seen</th></tr></thead><tbody>
${hosts.map(
  (host) => html`<tr><td>${host.name} <span class="muted">${host.address}</span></td><td>${host.provider}</td>
<td><meter min="0" max="${Math.max(host.capacity, 1)}" value="${host.live}" aria-label="load of ${host.name}"></meter> ${host.live} / ${host.capacity}</td>
<td>${host.deploying}</td><td>${host.acceptsNew ? 'accepted' : html`<span class="warn">draining</span>`}</td><td>${when(host.lastSeenAt)}</td></tr>`,
)}
</tbody></table></div>`;
}

export function renderAudit(events: AuditRow[]): SafeHtml {
  if (events.length === 0) return html`<p class="muted">Nothing yet.</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Sandbox</th><th scope="col">Result</th><th scope="col">Detail</th></tr></thead><tbody>
${events.map(
  (
    event,
  ) => html`<tr><td>${when(event.at)}</td><td>${event.actor} <span class="muted">(${event.surface})</span></td><td>${event.action}</td>
<td>${event.slug ? html`<a href="/sandboxes/${event.slug}">${event.slug}</a>` : '—'}</td><td>${badge(event.result)}</td><td><code>${event.detail}</code></td></tr>`,
)}
</tbody></table></div>`;
}
