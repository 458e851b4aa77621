import type pg from 'pg';
import type { InstanceStatus } from '../../core/instance-status';
import { instanceStatusSql, unfinishedStateSql } from './instance-status-sql';

export interface DashboardFilters {
  repository: string;
  state: InstanceStatus | '';
  kind: 'pr' | 'manual' | '';
  archived: 'no' | 'yes' | 'all';
  q: string;
}

export interface InstanceRow {
  slug: string;
  domain: string;
  kind: string;
  repository: string | null;
  prNumber: number | null;
  prUrl: string | null;
  prAuthor: string | null;
  status: InstanceStatus;
  appservers: number;
  updatedAt: Date;
}

const rowLimit = 300;

/** Instances matching the filters, newest change first. `detailed: false` (signed out) searches slugs and domains only. */
export async function listInstanceRows(
  pool: pg.Pool,
  filters: DashboardFilters,
  detailed: boolean,
): Promise<{ rows: InstanceRow[]; limited: boolean }> {
  const where = ['i.deleted_at is null'];
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  if (filters.archived === 'no') where.push('i.archived_at is null');
  if (filters.archived === 'yes') where.push('i.archived_at is not null');
  if (filters.repository) where.push(`lower(i.pr_repo) = lower(${param(filters.repository)})`);
  if (filters.kind) where.push(`i.kind = ${param(filters.kind)}`);
  if (filters.q) {
    const like = param(`%${filters.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
    const columns = detailed
      ? ['i.slug', 'i.domain', 'i.pr_repo', 'i.pr_author', 'i.ref', 'i.pr_url']
      : ['i.slug', 'i.domain'];
    where.push(`(${columns.map((column) => `${column} ilike ${like}`).join(' or ')})`);
  }
  const status = instanceStatusSql({
    archived: 'i.archived_at is not null',
    deleted: 'false',
    activeState: 'act.state',
    latestState: 's.latest_state',
    deploying: 's.deploying',
    sleeping: 'i.sleeping_since is not null',
    down: 'i.down_since is not null',
  });
  // The status filter applies before the row limit: an old failed sandbox is found among thousands of newer ones.
  const statusFilter = filters.state ? `where status = ${param(filters.state)}` : '';
  const result = await pool.query<{
    slug: string;
    domain: string;
    kind: string;
    pr_repo: string | null;
    pr_number: number | null;
    pr_url: string | null;
    pr_author: string | null;
    updated_at: Date;
    status: InstanceStatus;
    appservers: string;
  }>(
    `select * from (
       select i.slug, i.domain, i.kind, i.pr_repo, i.pr_number, i.pr_url, i.pr_author, i.updated_at,
         ${status} as status, coalesce(s.n, 0)::text as appservers
       from instances i
       left join appservers act on act.id = i.active_appserver_id
       left join lateral (select (array_agg(a.state order by a.number desc))[1] as latest_state,
                                 bool_or(${unfinishedStateSql('a.state')}) as deploying, count(*) as n
                          from appservers a where a.instance_id = i.id) s on true
       where ${where.join(' and ')}
     ) listed ${statusFilter}
     order by updated_at desc limit ${rowLimit + 1}`,
    values,
  );
  const rows = result.rows.slice(0, rowLimit).map((row) => ({
    slug: row.slug,
    domain: row.domain,
    kind: row.kind,
    repository: row.pr_repo,
    prNumber: row.pr_number,
    prUrl: row.pr_url,
    prAuthor: row.pr_author,
    status: row.status,
    appservers: Number(row.appservers),
    updatedAt: row.updated_at,
  }));
  return { rows, limited: result.rows.length > rowLimit };
}

/** Repositories to filter by: the configured ones and any an instance names. */
export async function listRepositories(pool: pg.Pool, configured: string[]): Promise<string[]> {
  const result = await pool.query<{ pr_repo: string }>(
    `select distinct pr_repo from instances where pr_repo is not null and deleted_at is null limit 200`,
  );
  return [...new Set([...configured, ...result.rows.map((row) => row.pr_repo)])].sort((a, b) => a.localeCompare(b));
}
