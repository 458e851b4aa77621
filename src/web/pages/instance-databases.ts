import type { DatabaseRecords } from '../../core/databases/types';
import { html, type SafeHtml } from '../../infra/http/html';
import { when } from './format';

/** One persistent database placement as the status page shows it: never the password. */
export interface DatabaseRow {
  kind: string;
  server: string;
  names: string[];
  user: string;
  /** `ready`, `not created yet`, `dropped`, or the drop error still to be retried. */
  state: string;
}

export interface SnapshotRow {
  id: number;
  at: Date;
  databases: { name: string; bytes: number }[];
  reason: string;
  requestedBy: string;
}

/** The sandbox's persistent databases (server, names, user) and their snapshots, newest first. */
export async function loadDatabaseRows(
  records: DatabaseRecords,
  instanceId: number,
): Promise<{ databases: DatabaseRow[]; snapshots: SnapshotRow[] }> {
  const servers = new Map((await records.listServers()).map((server) => [server.id, server.name]));
  const databases = (await records.listForInstance(instanceId)).map((row) => ({
    kind: row.kind,
    server: servers.get(row.serverId) ?? `server ${row.serverId}`,
    names: row.names.map((n) => n.actual),
    user: row.username,
    state: row.droppedAt
      ? 'dropped'
      : row.dropError
        ? `drop failed (retried): ${row.dropError}`
        : row.provisionedAt
          ? 'ready'
          : 'not created yet',
  }));
  const snapshots = (await records.listSnapshots(instanceId))
    .map((snapshot) => ({
      id: snapshot.id,
      at: snapshot.createdAt,
      databases: snapshot.files.map((file) => ({ name: file.database, bytes: file.bytes })),
      reason: snapshot.reason,
      requestedBy: snapshot.requestedBy,
    }))
    .sort((a, b) => b.id - a.id);
  return { databases, snapshots };
}

/** The Databases section: placements with the password masked, and snapshots with the command that restores each. */
export function renderDatabases(slug: string, databases: DatabaseRow[], snapshots: SnapshotRow[]): SafeHtml {
  if (databases.length === 0 && snapshots.length === 0) return html``;
  const placements = databases.length
    ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Kind</th><th scope="col">Server</th><th scope="col">Databases</th><th scope="col">User</th><th scope="col">Password</th><th scope="col">State</th></tr></thead><tbody>${databases.map((d) => html`<tr><td>${d.kind}</td><td>${d.server}</td><td>${d.names.map((name, i) => html`${i ? ', ' : ''}<code>${name}</code>`)}</td><td><code>${d.user}</code></td><td>***</td><td>${d.state}</td></tr>`)}</tbody></table></div>`
    : html`<p class="muted">No persistent databases.</p>`;
  const archives = snapshots.length
    ? html`<h3 id="snapshots">Snapshots</h3><div class="table-wrap"><table><thead><tr><th scope="col">Snapshot</th><th scope="col">Taken</th><th scope="col">Databases</th><th scope="col">Why</th><th scope="col">Restore with</th></tr></thead><tbody>${snapshots.map((s) => html`<tr><td>${String(s.id)}</td><td>${when(s.at)}</td><td>${s.databases.map((d, i) => html`${i ? ', ' : ''}<code>${d.name}</code> (${String(d.bytes)} bytes)`)}</td><td>${s.reason} <span class="muted">by ${s.requestedBy}</span></td><td><code>npx sbx db restore ${slug} ${String(s.id)}</code></td></tr>`)}</tbody></table></div>`
    : html`<p class="muted">No snapshots (npx sbx db snapshot ${slug}).</p>`;
  return html`<h2 id="databases">Databases</h2>${placements}${archives}`;
}
