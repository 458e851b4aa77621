import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createProvisioning, type Provisioning } from '../../src/app/provisioning';
import { loadConfig } from '../../src/config/load-config';
import type { Database } from '../../src/infra/db/database';
import { createLogger } from '../../src/infra/logger';
import { createTestDatabase } from './database';

export interface TestProvisioning {
  database: Database;
  provisioning: Provisioning;
}

/**
 * The provisioning layer alone (no web, no worker: jobs stay queued) on a database of its own, configured by the
 * sandbox.yml text `yaml(dir)` returns (`dir`: a fresh directory for work roots and the like). Made before the
 * file's tests, closed after them; `beforeClose` runs first (to stop what the tests started).
 */
export function useTestProvisioning(
  yaml: (dir: string) => string,
  { beforeClose }: { beforeClose?: (provisioning: Provisioning) => Promise<void> } = {},
): () => TestProvisioning {
  let current: TestProvisioning | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'sbx-provisioning-'));
    writeFileSync(join(dir, 'sandbox.yml'), yaml(dir));
    const config = loadConfig({ cwd: dir, env: { SBX_DATA_DIR: join(dir, 'data') } });
    const provisioning = await createProvisioning({
      config,
      db: database.db,
      logger: createLogger({ level: 'silent', format: 'json' }),
      env: {},
    });
    current = { database, provisioning };
  });
  afterAll(async () => {
    if (!current) return;
    await beforeClose?.(current.provisioning);
    await current.provisioning.close();
    await current.database.close();
  });
  return () => {
    if (!current) throw new Error('useTestProvisioning: used outside a test');
    return current;
  };
}
