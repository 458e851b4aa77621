import { openDatabase, type Database } from '../infra/db/database';
import type { CliContext } from './context';

/**
 * Runs `work` with a database connection: DATABASE_URL, the embedded server a
 * running bot already started, or an embedded server started for this
 * command's duration only.
 */
export async function withDatabase<T>(ctx: CliContext, work: (database: Database) => Promise<T>): Promise<T> {
  const config = ctx.config();
  const database = await openDatabase({ url: config.database.url, dataDir: config.data_dir, poolSize: 3 });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}
