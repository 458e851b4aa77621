import { html, type SafeHtml } from '../../infra/http/html';
import type { DatabaseServerLoad } from '../../infra/db/database-server-loads';

const kindNames = { mysql: 'MySQL', mongodb: 'MongoDB', rabbitmq: 'RabbitMQ' } as const;

/** The dashboard's table of registered database servers and how many sandboxes each holds. */
export function renderDatabaseServers(servers: DatabaseServerLoad[]): SafeHtml {
  if (servers.length === 0)
    return html`<p class="muted">No database servers registered (databases.* in sandbox.yml): sandboxes use ephemeral databases only.</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">Server</th><th scope="col">Kind</th><th scope="col">Sandboxes</th><th scope="col">New sandboxes</th><th scope="col">Left to drop</th></tr></thead><tbody>
${servers.map(
  (
    s,
  ) => html`<tr><td>${s.name}${s.configured ? '' : html` <span class="warn">not in sandbox.yml</span>`}</td><td>${kindNames[s.kind]}</td><td>${s.instances}</td>
<td>${s.acceptsNew && s.configured ? 'accepted' : html`<span class="warn">not accepted</span>`}</td><td>${s.leftovers > 0 ? html`<span class="warn">${s.leftovers}</span>` : '0'}</td></tr>`,
)}
</tbody></table></div>`;
}
