import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/infra/db/database';
import { listInstanceRows } from '../../src/infra/db/dashboard-queries';
import { parseFilters } from '../../src/web/pages/dashboard-filters';
import { createTestDatabase } from '../support/database';

describe('dashboard rows', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    // One failed sandbox last changed a week ago, under 400 newer sandboxes that never deployed.
    const failed = await database.pool.query<{ id: number }>(
      `insert into instances (slug, domain, kind, updated_at) values ('old-failure', 'old-failure.localhost', 'manual', now() - interval '7 days') returning id`,
    );
    await database.pool.query(
      `insert into appservers (instance_id, number, state, config) values ($1, 1, 'failed', '{}')`,
      [failed.rows[0]!.id],
    );
    await database.pool.query(
      `insert into instances (slug, domain, kind, updated_at) select 'new-' || n, 'new-' || n || '.localhost', 'manual', now() - n * interval '1 second' from generate_series(1, 400) n`,
    );
  });
  afterAll(async () => {
    await database.close();
  });

  it('filters by state before the row limit, so an old failure is found among many newer sandboxes', async () => {
    const failed = await listInstanceRows(database.pool, parseFilters(new URLSearchParams('state=failed')), true);
    expect(failed).toEqual({
      rows: [expect.objectContaining({ slug: 'old-failure', status: 'failed' })],
      limited: false,
    });
    const all = await listInstanceRows(database.pool, parseFilters(new URLSearchParams()), true);
    expect(all.limited).toBe(true);
    expect(all.rows).toHaveLength(300);
    expect(all.rows[0]).toMatchObject({ slug: 'new-1', status: 'new' });
    expect(all.rows.map((row) => row.slug)).not.toContain('old-failure');
  });
});
