import { chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/schema';
import type { SandboxIsolation } from '../core/provisioning/sandbox-isolation';
import { isolationOf } from '../infra/hosts/local-isolation';
import type { Logger } from '../infra/logger';

/**
 * At start: warns when PR code would run as the bot's user; with isolation,
 * takes the permissions of other users off the data directory (session
 * secret, embedded PostgreSQL) and `.env`, so sandbox users cannot read them.
 */
export async function protectBotFiles({
  config,
  logger,
  env,
  isolation = isolationOf(config),
}: {
  config: Config;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  isolation?: SandboxIsolation;
}): Promise<void> {
  if (!isolation.isolated) {
    logger.warn(
      { isolation: isolation.detail },
      'PR code runs as the bot’s own user; fork PRs deploy only where trigger.allow_forks_unisolated is true',
    );
    return;
  }
  if (config.compute.provider !== 'local') return;
  for (const path of [config.data_dir, env.SBX_ENV_FILE ?? join(process.cwd(), '.env')]) {
    const stats = await stat(path).catch(() => null);
    if (!stats || (stats.mode & 0o077) === 0) continue;
    await chmod(path, stats.mode & 0o7700);
    logger.info(
      { path, mode: (stats.mode & 0o7700).toString(8) },
      'took the permissions of other users off a file sandboxes must not read',
    );
  }
}
