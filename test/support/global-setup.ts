import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/infra/db/embedded-postgres';
import { migrateDatabase } from '../../src/infra/db/migrate';
import { ensureDatabaseExists, withDatabase } from '../../src/infra/db/database';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URL of the throwaway PostgreSQL for this test run. */
    pgServerUrl: string;
    /** Name of the migrated template database each test file copies. */
    pgTemplate: string;
  }
}

/** One throwaway PostgreSQL for the whole run; each test file gets its own database copied from a migrated template. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sbx-test-pg-'));
  const server = await startEmbeddedPostgres({
    dataDir,
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
  });
  const template = 'sbx_template';
  await ensureDatabaseExists(server.url, template);
  const pool = new pg.Pool({ connectionString: withDatabase(server.url, template), max: 2 });
  await migrateDatabase(drizzle(pool), pool);
  await pool.end();
  project.provide('pgServerUrl', server.url);
  project.provide('pgTemplate', template);
  return async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
