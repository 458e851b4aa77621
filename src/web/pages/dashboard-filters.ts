import { instanceStatuses, type InstanceStatus } from '../../core/instance-status';
import type { DashboardFilters } from '../../infra/db/dashboard-queries';

/** Filters from the query string; anything unknown is ignored rather than an error. */
export function parseFilters(search: URLSearchParams): DashboardFilters {
  const state = search.get('state') ?? '';
  const kind = search.get('kind') ?? '';
  const archived = search.get('archived') ?? '';
  return {
    repository: (search.get('repository') ?? '').slice(0, 200),
    state: (instanceStatuses as readonly string[]).includes(state) ? (state as InstanceStatus) : '',
    kind: kind === 'pr' || kind === 'manual' ? kind : '',
    archived: archived === 'yes' || archived === 'all' ? archived : 'no',
    q: (search.get('q') ?? '').trim().slice(0, 200),
  };
}
