import { liveStates, unfinishedStates } from '../../core/appserver-state';

/** Column expressions an instance's status is computed from (see core/instance-status.ts). */
export interface InstanceStatusColumns {
  archived: string;
  deleted: string;
  activeState: string;
  latestState: string;
  deploying: string;
  sleeping: string;
  down: string;
}

const quoted = (values: readonly string[]) => values.map((value) => `'${value.replace(/'/g, "''")}'`).join(', ');

/** `a.state in ('new', 'waiting', 'configuring')`: the unfinished appserver states, from core's one list. */
export function unfinishedStateSql(column: string): string {
  return `${column} in (${quoted(unfinishedStates)})`;
}

/** `a.state in ('new', 'waiting', 'configuring', 'running')`: states that hold a host slot. */
export function liveStateSql(column: string): string {
  return `${column} in (${quoted(liveStates)})`;
}

/**
 * core's `instanceStatus` as a SQL expression, so a list can filter by status
 * before it limits its rows. test/infra/instance-status-sql.test.ts checks
 * that both agree on every combination of inputs.
 */
export function instanceStatusSql(c: InstanceStatusColumns): string {
  return `case
    when ${c.deleted} then 'deleted'
    when ${c.archived} then 'archived'
    when coalesce(${c.deploying}, false) or coalesce(${unfinishedStateSql(c.latestState)}, false) then 'deploying'
    when ${c.activeState} is not distinct from 'running' and ${c.sleeping} then 'sleeping'
    when ${c.activeState} is not distinct from 'running' and ${c.down} then 'down'
    when ${c.activeState} is not distinct from 'running' then 'running'
    when ${c.latestState} is null then 'new'
    when ${c.latestState} in ('failed', 'error') or ${c.activeState} is not distinct from 'failed' then 'failed'
    when ${c.latestState} = 'cancelled' then 'cancelled'
    else 'idle' end`;
}
