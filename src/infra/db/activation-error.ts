import type pg from 'pg';

/** The error of a failed activation of this appserver, from the audit log (activation runs in a job). */
export async function activationError(
  pool: Pick<pg.Pool, 'query'>,
  instanceId: number,
  number: number,
): Promise<string | null> {
  const result = await pool.query<{ error: string | null }>(
    `select detail->>'error' as error from audit_events
      where instance_id = $1 and action = 'activate' and result = 'error' and detail->>'appserver' = $2
      order by id desc limit 1`,
    [instanceId, String(number)],
  );
  return result.rows[0] ? (result.rows[0].error ?? 'the load balancer refused the change') : null;
}
