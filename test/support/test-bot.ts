import { mkdtempSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provisioning } from '../../src/app/provisioning';
import { startBot, type Bot } from '../../src/app/start-bot';
import { loadConfig } from '../../src/config/load-config';
import type { Config } from '../../src/config/schema';
import type { Database } from '../../src/infra/db/database';
import { createLogger } from '../../src/infra/logger';
import { createTestDatabase } from './database';
import { unterminatedStates } from '../../src/core/appserver-state';

export interface TestBot {
  bot: Bot;
  config: Config;
  database: Database;
  url: string;
  /** The sandbox.yml and environment the bot runs with (to run `sbx` commands against the same setup). */
  cliEnv: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The whole bot in-process (web on a random loopback port, worker, builtin
 * load balancer) on a fresh test database, configured by a sandbox.yml text.
 */
export async function startTestBot(yaml: string, env: Record<string, string> = {}): Promise<TestBot> {
  const database = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'sbx-bot-'));
  writeFileSync(join(dir, 'sandbox.yml'), withOwnPortRange(yaml));
  const cliEnv = {
    SBX_CONFIG: join(dir, 'sandbox.yml'),
    DATABASE_URL: database.url,
    SBX_DATA_DIR: join(dir, 'data'),
    ...env,
  };
  const config = loadConfig({
    cwd: dir,
    env: { ...cliEnv, PORT: env.PORT ?? '0', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', LOG_FORMAT: 'json' },
  });
  const bot = await startBot({ config, logger: createLogger(config.log), web: true, worker: true, env });
  return {
    bot,
    config,
    database,
    url: `http://127.0.0.1:${bot.port}`,
    cliEnv,
    async stop() {
      await bot.worker?.stop(2_000);
      await killAppservers(bot.provisioning);
      await bot.stop(2_000);
      await database.close();
    },
  };
}

/** Deploys run detached and outlive the bot by design: kill every appserver's process groups after a test. */
export async function killAppservers({ store, hosts }: Pick<Provisioning, 'store' | 'hosts'>): Promise<void> {
  const all = await store.listAppserversInStates(unterminatedStates);
  for (const appserver of all) {
    if (!appserver.workDir || appserver.hostId === null) continue;
    const host = await store.getHost(appserver.hostId);
    if (!host) continue;
    const transport = hosts.transportFor(host);
    if ((await transport.fileSize(`${appserver.workDir}/sbx-run.sh`)) === null) continue;
    await transport
      .exec(['bash', `${appserver.workDir}/sbx-run.sh`, 'cancel'], { timeoutMs: 15_000 })
      .catch(() => undefined);
  }
}

let portBlock = 0;

/**
 * Test files run in parallel, each with its own bot: unless the test chose a
 * port range, give the local provider a block of ports of its own (by
 * process and call), so two files never race for the same appserver port;
 * below the kernel's ephemeral range, so no outgoing connection holds one;
 * and a throwaway work root unless the test chose one.
 */
function withOwnPortRange(yaml: string): string {
  const document = parseDocument(yaml);
  const config = (document.toJS() ?? {}) as {
    compute?: { provider?: string; local?: { port_range?: unknown; work_root?: unknown } };
  };
  if (config.compute?.provider && config.compute.provider !== 'local') return yaml;
  // Not the machine-wide default work root (/var/lib/sandbox-bot/appservers as root): a throwaway one.
  if (!config.compute?.local?.work_root)
    document.setIn(['compute', 'local', 'work_root'], mkdtempSync(join(tmpdir(), 'sbx-work-')));
  if (config.compute?.local?.port_range) return document.toString();
  portBlock += 1;
  const low = 22_000 + ((process.pid * 7 + portBlock * 97) % 80) * 100;
  document.setIn(['compute', 'local', 'port_range'], document.createNode([low, low + 99], { flow: true }));
  return document.toString();
}
