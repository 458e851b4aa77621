import type pg from 'pg';

export interface DatabaseServerLoad {
  kind: 'mysql' | 'mongodb' | 'rabbitmq';
  name: string;
  acceptsNew: boolean;
  configured: boolean;
  /** Sandboxes (not deleted, databases not dropped) placed on the server. */
  instances: number;
  /** Deleted sandboxes whose databases failed to drop (reconcile retries). */
  leftovers: number;
}

/** Registered database servers with how many sandboxes each holds, for the dashboard. */
export async function readDatabaseServerLoads(pool: pg.Pool): Promise<DatabaseServerLoad[]> {
  const result = await pool.query<{
    kind: DatabaseServerLoad['kind'];
    name: string;
    accepts_new: boolean;
    configured: boolean;
    instances: number;
    leftovers: number;
  }>(`
    select s.kind, s.name, s.accepts_new, s.configured,
      count(d.id) filter (where d.dropped_at is null and i.deleted_at is null)::int as instances,
      count(d.id) filter (where d.dropped_at is null and i.deleted_at is not null)::int as leftovers
    from database_servers s
    left join instance_databases d on d.server_id = s.id
    left join instances i on i.id = d.instance_id
    group by s.id
    having s.configured or count(d.id) filter (where d.dropped_at is null) > 0
    order by s.kind, s.name`);
  return result.rows.map((row) => ({
    kind: row.kind,
    name: row.name,
    acceptsNew: row.accepts_new,
    configured: row.configured,
    instances: row.instances,
    leftovers: row.leftovers,
  }));
}
