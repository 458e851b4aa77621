import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appserverStates, type AppserverState } from '../../src/core/appserver-state';
import { instanceStatus, type InstanceStatusInput } from '../../src/core/instance-status';
import type { Database } from '../../src/infra/db/database';
import { instanceStatusSql } from '../../src/infra/db/instance-status-sql';
import { createTestDatabase } from '../support/database';

describe('instanceStatusSql', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.close();
  });

  it('agrees with core’s instanceStatus on every combination of inputs', async () => {
    const states: (AppserverState | null)[] = [null, ...appserverStates];
    const inputs: InstanceStatusInput[] = [];
    for (const archived of [false, true])
      for (const deleted of [false, true])
        for (const deploying of [false, true])
          for (const activeState of states)
            for (const latestState of states)
              for (const [sleeping, down] of [
                [false, false],
                [true, false],
                [false, true],
                [true, true],
              ] as const)
                inputs.push({ archived, deleted, deploying, activeState, latestState, sleeping, down });
    const expression = instanceStatusSql({
      archived: 'x.archived',
      deleted: 'x.deleted',
      activeState: 'x.active_state',
      latestState: 'x.latest_state',
      deploying: 'x.deploying',
      sleeping: 'x.sleeping',
      down: 'x.down',
    });
    const result = await database.pool.query<{ n: number; status: string }>(
      `select x.n, ${expression} as status
         from jsonb_to_recordset($1::jsonb) as x(n int, archived boolean, deleted boolean, deploying boolean, active_state text, latest_state text, sleeping boolean, down boolean)
        order by x.n`,
      [
        JSON.stringify(
          inputs.map((input, n) => ({
            n,
            archived: input.archived,
            deleted: input.deleted,
            deploying: input.deploying,
            active_state: input.activeState,
            latest_state: input.latestState,
            sleeping: input.sleeping,
            down: input.down,
          })),
        ),
      ],
    );
    expect(result.rows).toHaveLength(inputs.length);
    const disagreements = result.rows
      .filter((row) => row.status !== instanceStatus(inputs[row.n]!))
      .map((row) => ({ input: inputs[row.n], sql: row.status, core: instanceStatus(inputs[row.n]!) }));
    expect(disagreements).toEqual([]);
  });
});
