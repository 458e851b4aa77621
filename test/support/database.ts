import { randomBytes } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { inject } from 'vitest';
import * as schema from '../../drizzle/schema';
import type { Database } from '../../src/infra/db/database';
import { withDatabase } from '../../src/infra/db/database';

/** A fresh, migrated database of its own (copied from the run's template); close() drops it. */
export async function createTestDatabase(): Promise<Database> {
  const serverUrl = inject('pgServerUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name} template ${inject('pgTemplate')}`);
  await admin.end();
  const url = withDatabase(serverUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return {
    url,
    pool,
    db: drizzle(pool, { schema }),
    embedded: null,
    async close() {
      await pool.end();
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** The test run's PostgreSQL server URL (to create extra databases or spawn processes against it). */
export const testServerUrl = (): string => inject('pgServerUrl');
