import type pg from 'pg';
import { percentile } from './bench-bot';

/** The steps of one deploy, each in milliseconds after the deployment was requested, from the bot's own records. */
export interface DeploySteps {
  'provision start (appserver created)': number;
  'files written, runner launched (configuring)': number;
  'first log chunk stored': number;
  'deploy exit seen, service launched': number;
  'health ok (running)': number;
  activated: number;
}

/**
 * Reads the step timestamps of the first appserver of a deployment (all written by the bot's own clock or the
 * database's). A load balancer may route before the bot records the activation: waits (bounded) for the record.
 */
export async function deploySteps(pool: pg.Pool, deploymentId: number): Promise<DeploySteps> {
  for (let i = 0; i < 500; i += 1) {
    const steps = await readSteps(pool, deploymentId);
    if (!Number.isNaN(steps.activated)) return steps;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`deployment ${deploymentId} was never recorded as activated`);
}

async function readSteps(pool: pg.Pool, deploymentId: number): Promise<DeploySteps> {
  const { rows } = await pool.query<Record<string, Date | null>>(
    `select d.created_at as requested, a.created_at as created, a.configuring_at, a.service_started_at, a.ready_at,
            a.activated_at, (select min(created_at) from log_chunks l where l.appserver_id = a.id) as first_log
       from deployments d join appservers a on a.deployment_id = d.id
      where d.id = $1 order by a.number limit 1`,
    [deploymentId],
  );
  const row = rows[0];
  if (!row) throw new Error(`deployment ${deploymentId} has no appserver`);
  const since = (at: Date | null | undefined) => (at ? at.getTime() - row.requested!.getTime() : NaN);
  return {
    'provision start (appserver created)': since(row.created),
    'files written, runner launched (configuring)': since(row.configuring_at),
    'first log chunk stored': since(row.first_log),
    'deploy exit seen, service launched': since(row.service_started_at),
    'health ok (running)': since(row.ready_at),
    activated: since(row.activated_at),
  };
}

/** The p50 of each step over several deploys, as metrics named `<prefix> <step> p50 (ms)`. */
export function stepMetrics(prefix: string, all: DeploySteps[]): Record<string, number> {
  const names = Object.keys(all[0] ?? {}) as (keyof DeploySteps)[];
  return Object.fromEntries(
    names.map((name) => [
      `${prefix} step: ${name}, p50 (ms after request)`,
      percentile(
        all.map((s) => s[name]),
        50,
      ),
    ]),
  );
}
