import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/infra/db/database';
import { createSandboxStore } from '../../src/infra/db/sandbox-store';
import { createTestDatabase } from '../support/database';
import { idleRepositoryYml } from '../support/sandbox-yml';
import { runSbxInProcess } from '../support/sbx-in-process';
import { sbxWorkspace } from '../support/spawn-sbx';
import { waitFor } from '../support/wait-for';

/*
 * `sbx campaigns show <id> --follow` is one command: it is audited once, not
 * once per poll. The campaign's item reads are counted (a spy on pg's real
 * client, the database is real) so the test knows the command has polled
 * several times before it ends the campaign.
 */
describe('sbx campaigns show --follow', () => {
  let database: Database;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ dir, env } = sbxWorkspace(
      'sbx-follow-',
      () => `repositories:\n${idleRepositoryYml('acme/sample')}\n`,
      database.url,
      { SBX_ACTOR: 'ops-bob', LOG_LEVEL: 'silent' },
    ));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows until the campaign ends, prints it, and records one audit event', async () => {
    const store = createSandboxStore(database.db);
    const instance = await store.insertInstance({
      slug: 'followed',
      domain: 'followed.example.test',
      kind: 'manual',
      prRepo: 'acme/sample',
    });
    const campaign = await store.insertCampaign(
      {
        tag: 'autumn',
        options: {
          filter: {},
          exclude: {},
          update: {},
          preUpgrade: [],
          batchSize: 1,
          batchFrequencyMs: 60_000,
          numAttempts: 1,
          activate: true,
        },
        requestedBy: 'ops-bob',
        surface: 'cli',
      },
      [{ instanceId: instance.id, slug: instance.slug }],
    );
    const query = pg.Client.prototype.query;
    let itemReads = 0;
    vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      if (text?.includes('"campaign_items"')) itemReads += 1;
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as never);

    const following = runSbxInProcess(['campaigns', 'show', String(campaign.id), '--follow'], env);
    // The command's own read, then two polls.
    await waitFor(() => itemReads >= 3, { timeoutMs: 20_000, what: 'three reads of the campaign' });
    await database.pool.query(`update campaigns set state = 'succeeded', finished_at = now() where id = $1`, [
      campaign.id,
    ]);
    const shown = await following;
    vi.restoreAllMocks();

    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`campaign ${campaign.id} (autumn): succeeded`);
    expect(shown.stdout).toContain('followed');
    const audits = await database.pool.query<{ actor: string; result: string }>(
      `select actor, result from audit_events where action = 'campaigns'`,
    );
    expect(audits.rows).toEqual([{ actor: 'ops-bob', result: 'ok' }]);
  }, 60_000);
});
