import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type Bot } from '../../src/app/start-bot';
import { loadConfig } from '../../src/config/load-config';
import type { Config } from '../../src/config/schema';
import { ensureDatabaseExists, withDatabase } from '../../src/infra/db/database';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/infra/db/embedded-postgres';
import { createLogger } from '../../src/infra/logger';

export interface BenchBot {
  bot: Bot;
  config: Config;
  stop(): Promise<void>;
}

/** The whole bot in this process on a throwaway embedded PostgreSQL, configured by a sandbox.yml text. */
export async function startBenchBot(yaml: string, env: Record<string, string> = {}): Promise<BenchBot> {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-bench-'));
  chmodSync(dir, 0o755);
  const postgres: EmbeddedPostgres = await startEmbeddedPostgres({
    dataDir: join(dir, 'pg'),
    settings: { fsync: 'off', synchronous_commit: 'off' },
  });
  await ensureDatabaseExists(postgres.url, 'bench');
  writeFileSync(join(dir, 'sandbox.yml'), yaml);
  const config = loadConfig({
    cwd: dir,
    env: {
      DATABASE_URL: withDatabase(postgres.url, 'bench'),
      PORT: '0',
      SBX_DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'error',
      LOG_FORMAT: 'json',
    },
  });
  const bot = await startBot({ config, logger: createLogger(config.log), web: true, worker: true, env });
  return {
    bot,
    config,
    async stop() {
      const { store, hosts } = bot.provisioning;
      for (const appserver of await store.listAppserversInStates([
        'new',
        'waiting',
        'configuring',
        'running',
        'failed',
      ])) {
        if (!appserver.workDir || appserver.hostId === null) continue;
        const host = await store.getHost(appserver.hostId);
        if (host)
          await hosts
            .transportFor(host)
            .exec(['bash', `${appserver.workDir}/sbx-run.sh`, 'cancel'])
            .catch(() => undefined);
      }
      await bot.stop(2_000);
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
