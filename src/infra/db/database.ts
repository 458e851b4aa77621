import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from '../../../drizzle/schema';
import { SandboxError } from '../../core/errors';
import type { Logger } from '../logger';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';

export type Db = NodePgDatabase<typeof schema>;

export interface Database {
  url: string;
  pool: pg.Pool;
  db: Db;
  /** Set when the project started (or adopted) its own PostgreSQL. */
  embedded: EmbeddedPostgres | null;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  url: string | null;
  dataDir: string;
  logger?: Logger;
  poolSize?: number;
}

const embeddedDatabaseName = 'sandbox_bot';

/**
 * Connects to DATABASE_URL, or starts (or reuses) the embedded server when it
 * is unset. Fails with one clear message when the server cannot be reached.
 */
export async function openDatabase({ url, dataDir, logger, poolSize = 10 }: OpenDatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | null = null;
  let target = url;
  if (!target) {
    embedded = await startEmbeddedPostgres({ dataDir, logger });
    await ensureDatabaseExists(embedded.url, embeddedDatabaseName);
    target = withDatabase(embedded.url, embeddedDatabaseName);
  }
  const pool = new pg.Pool({ connectionString: target, max: poolSize, connectionTimeoutMillis: 10_000 });
  pool.on('error', (error) => logger?.error({ err: error }, 'idle database connection failed'));
  pool.on('connect', (client) =>
    client.on('error', (error) => logger?.error({ err: error }, 'database connection failed')),
  );
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    await embedded?.stop();
    throw new SandboxError('database_unavailable', describeConnectError(target, error), { cause: error });
  }
  return {
    url: target,
    pool,
    db: drizzle(pool, { schema }),
    embedded,
    async close() {
      await pool.end().catch(() => undefined);
      await embedded?.stop();
    },
  };
}

export async function ensureDatabaseExists(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
}

export function withDatabase(serverUrl: string, name: string): string {
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function describeConnectError(url: string, error: unknown): string {
  let where = 'the database';
  try {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port || 5432}/${parsed.pathname.slice(1)}`;
  } catch {
    // a malformed URL is reported below
  }
  const code = (error as { code?: string }).code;
  const detail = error instanceof Error ? error.message : String(error);
  return `cannot connect to PostgreSQL at ${where} (${code ?? detail}); check DATABASE_URL, or unset it to use the embedded server`;
}
