import type pg from 'pg';
import type { SandboxUsage } from '../../core/usage/summarize-usage';

/**
 * Per-sandbox usage over [since, until): how long each appserver existed
 * (from its creation to its termination, or to its failure or cancellation
 * when it was never terminated; still alive: to `until`), clipped to the
 * period; and how long the sandbox slept, from the `sleep` and `wake` audit
 * events (a sleep with no wake yet lasts to `until`). Sleep older than
 * `retention.audit_max_age` is no longer in the audit log and counts as awake.
 */
export async function queryUsage(pool: pg.Pool, period: { since: Date; until: Date }): Promise<SandboxUsage[]> {
  const { rows } = await pool.query<{
    slug: string;
    repository: string | null;
    author: string | null;
    appservers: number;
    lived: string;
    slept: string;
  }>(
    `with w as (select $1::timestamptz as since, $2::timestamptz as until),
      ended as (
        select a.instance_id, a.created_at,
          coalesce(a.terminated_at,
            case when a.state in ('failed', 'error', 'cancelled', 'terminated') then coalesce(a.finished_at, a.updated_at) end
          ) as ended_at
        from appservers a
      ),
      life as (
        select e.instance_id, count(*)::int as appservers,
          sum(greatest(0, extract(epoch from least(coalesce(e.ended_at, w.until), w.until) - greatest(e.created_at, w.since)))) as seconds
        from ended e, w
        where e.created_at < w.until and coalesce(e.ended_at, w.until) > w.since
        group by e.instance_id
      ),
      naps as (
        select s.instance_id,
          sum(greatest(0, extract(epoch from least(coalesce(
            (select min(k.at) from audit_events k where k.instance_id = s.instance_id and k.action = 'wake' and k.at > s.at),
            w.until), w.until) - greatest(s.at, w.since)))) as seconds
        from audit_events s, w
        where s.action = 'sleep' and s.result = 'ok' and s.at < w.until
        group by s.instance_id
      )
    select i.slug, i.pr_repo as repository,
      case when i.kind = 'pr' then i.pr_author else i.created_by end as author,
      life.appservers, life.seconds::text as lived, coalesce(naps.seconds, 0)::text as slept
    from life
    join instances i on i.id = life.instance_id
    left join naps on naps.instance_id = life.instance_id
    order by i.slug`,
    [period.since, period.until],
  );
  return rows.map((row) => {
    const lived = Number(row.lived);
    const slept = Math.min(Number(row.slept), lived);
    return {
      slug: row.slug,
      repository: row.repository,
      author: row.author,
      awakeSeconds: lived - slept,
      sleepingSeconds: slept,
      appservers: row.appservers,
    };
  });
}
