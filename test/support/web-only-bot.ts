import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type Bot } from '../../src/app/start-bot';
import { loadConfig } from '../../src/config/load-config';
import type { Config } from '../../src/config/schema';
import type { Database } from '../../src/infra/db/database';
import { createLogger } from '../../src/infra/logger';
import { createTestDatabase } from './database';

export interface WebOnlyBot {
  bot: Bot;
  config: Config;
  database: Database;
  url: string;
  /** Jobs waiting in the queue (no worker takes them). */
  jobs(): Promise<
    { task: string; key: string | null; queue: string | null; payload: Record<string, unknown>; runAt: Date }[]
  >;
  clearJobs(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The bot with its web server only (no worker) on a fresh test database:
 * what webhook intake enqueues stays in the queue for the test to read.
 */
export async function startWebOnlyBot(yaml: string, env: Record<string, string>): Promise<WebOnlyBot> {
  const database = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'sbx-web-'));
  writeFileSync(join(dir, 'sandbox.yml'), yaml);
  const config = loadConfig({
    cwd: dir,
    env: {
      ...env,
      DATABASE_URL: database.url,
      SBX_DATA_DIR: join(dir, 'data'),
      PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      LOG_FORMAT: 'json',
    },
  });
  const bot = await startBot({ config, logger: createLogger(config.log), web: true, worker: false, env });
  return {
    bot,
    config,
    database,
    url: `http://127.0.0.1:${bot.port}`,
    async jobs() {
      const result = await database.pool.query<{
        task_identifier: string;
        key: string | null;
        queue_name: string | null;
        payload: Record<string, unknown>;
        run_at: Date;
      }>(
        `select t.identifier as task_identifier, j.key, q.queue_name, j.payload, j.run_at
           from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
           left join graphile_worker._private_job_queues q on q.id = j.job_queue_id order by j.id`,
      );
      return result.rows.map((row) => ({
        task: row.task_identifier,
        key: row.key,
        queue: row.queue_name,
        payload: row.payload,
        runAt: row.run_at,
      }));
    },
    async clearJobs() {
      await database.pool.query('delete from graphile_worker._private_jobs');
    },
    async stop() {
      await bot.stop(1_000);
      await database.close();
    },
  };
}
