/**
 * Issue 12: the bookkeeping of a 200-sandbox campaign, without deploys: how
 * long choosing the instances and recording the campaign take, and the time
 * and SQL queries of one tick that settles a batch and starts the next one
 * (batch size 10). Deployments are marked finished by hand; no worker runs.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runMigrations } from 'graphile-worker';
import { startBot } from '../../src/app/start-bot';
import { loadConfig } from '../../src/config/load-config';
import { planCampaign, startCampaign } from '../../src/core/campaigns/start-campaign';
import { tickCampaign } from '../../src/core/campaigns/tick-campaign';
import { ensureDatabaseExists, withDatabase } from '../../src/infra/db/database';
import { startEmbeddedPostgres } from '../../src/infra/db/embedded-postgres';
import { createLogger } from '../../src/infra/logger';
import type { BenchResult } from '../run';

const instances = 200;
const batchSize = 10;

export default async function bench(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-bench-'));
  chmodSync(dir, 0o755);
  const postgres = await startEmbeddedPostgres({
    dataDir: join(dir, 'pg'),
    settings: { fsync: 'off', synchronous_commit: 'off' },
  });
  try {
    await ensureDatabaseExists(postgres.url, 'bench');
    writeFileSync(join(dir, 'sandbox.yml'), 'repositories: []\n');
    const url = withDatabase(postgres.url, 'bench');
    const config = loadConfig({
      cwd: dir,
      env: { DATABASE_URL: url, PORT: '0', SBX_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'error', LOG_FORMAT: 'json' },
    });
    await runMigrations({ connectionString: url });
    const bot = await startBot({ config, logger: createLogger(config.log), web: false, worker: false, env: {} });
    try {
      const { store } = bot.provisioning;
      for (let i = 0; i < instances; i += 1) {
        const slug = `bench-${String(i).padStart(3, '0')}`;
        const instance = await store.insertInstance({
          slug,
          domain: `${slug}.localhost`,
          kind: 'manual',
          fields: { openedx_release: 'z.1' },
        });
        const appserver = await store.insertAppserver({ instanceId: instance.id, config: {} });
        await store.updateAppserver(appserver.id, { readyAt: new Date() });
      }
      let queries = 0;
      const original = pg.Client.prototype.query;
      pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
        queries += 1;
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof original;
      const deps = { store, now: () => new Date() };
      const actor = { surface: 'cli' as const, id: 'bench' };
      const filter = { openedx_release: 'z.1' };
      let started = performance.now();
      const chosen = await planCampaign(store, { tag: 'B', filter, exclude: {} });
      const planMs = performance.now() - started;
      started = performance.now();
      queries = 0;
      const campaign = await startCampaign(deps, {
        tag: 'B',
        actor,
        options: {
          filter,
          exclude: {},
          update: { openedx_release: 'z.2' },
          preUpgrade: [],
          batchSize,
          batchFrequencyMs: 600_000,
          numAttempts: 1,
          activate: true,
        },
      });
      const startMs = performance.now() - started;
      const startQueries = queries;
      // First tick: starts a batch. Then ticks that settle a finished batch and start the next.
      queries = 0;
      started = performance.now();
      await tickCampaign(deps, campaign.id);
      const firstTickMs = performance.now() - started;
      const firstTickQueries = queries;
      const tickMs: number[] = [];
      const tickQueries: number[] = [];
      for (let round = 0; round < 5; round += 1) {
        for (const item of await store.listCampaignItems(campaign.id)) {
          if (item.state === 'ongoing' && item.deploymentId)
            await store.updateDeployment(item.deploymentId, { state: 'succeeded', finishedAt: new Date() });
        }
        queries = 0;
        started = performance.now();
        await tickCampaign(deps, campaign.id);
        tickMs.push(performance.now() - started);
        tickQueries.push(queries);
      }
      pg.Client.prototype.query = original;
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      return {
        metrics: {
          instances,
          eligible: chosen.length,
          batch_size: batchSize,
          plan_ms: planMs,
          start_campaign_ms: startMs,
          start_campaign_queries: startQueries,
          first_tick_ms: firstTickMs,
          first_tick_queries: firstTickQueries,
          settle_and_start_tick_ms_mean: mean(tickMs),
          settle_and_start_tick_queries_mean: mean(tickQueries),
          queries_per_item_per_tick: mean(tickQueries) / (2 * batchSize),
        },
        notes:
          'no deploys: deployments are marked succeeded by hand; a tick reads the campaign items three times (O(items)) plus a constant per settled or started item',
      };
    } finally {
      await bot.stop(2_000);
    }
  } finally {
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
