import { sql } from 'drizzle-orm';
import type { logChunks, runtimeLogChunks } from '../../../drizzle/schema';
import type { Db } from './database';

/** A table of log chunks: one appserver's log in pieces keyed by their byte offset (deploy or runtime log). */
export type LogChunkTable = typeof logChunks | typeof runtimeLogChunks;

export interface ReadLogChunksOptions {
  /** Only chunks that start after this offset (at most 1000 of them). */
  afterOffset?: number;
  /** Stops before the chunk that would pass this many characters (the first chunk always comes). */
  limitBytes?: number;
  /** Instead: the chunks that cover the log's last this many bytes. */
  tailBytes?: number;
}

/**
 * One appserver's chunks from `table`, in offset order: after `afterOffset`
 * up to `limitBytes`, or the ones covering the last `tailBytes` (chosen in
 * SQL: chunks can be large). Serves the deploy log and the runtime log alike.
 */
export async function readLogChunks(
  db: Db,
  table: LogChunkTable,
  appserverId: number,
  options: ReadLogChunksOptions = {},
): Promise<{ offset: number; content: string }[]> {
  const result =
    options.tailBytes !== undefined
      ? await db.execute<{ offset: string; content: string }>(sql`
          select "offset", content from (
            select "offset", content, sum(octet_length(content)) over (order by "offset" desc) as covered
            from ${table} where appserver_id = ${appserverId}) tail
          where covered - octet_length(content) < ${options.tailBytes}
          order by "offset"`)
      : await db.execute<{ offset: string; content: string }>(sql`
          select "offset", content from ${table}
          where appserver_id = ${appserverId} and "offset" > ${options.afterOffset ?? -1}
          order by "offset" limit 1000`);
  const rows = result.rows.map((row) => ({ offset: Number(row.offset), content: row.content }));
  if (options.tailBytes !== undefined || options.limitBytes === undefined) return rows;
  const picked: typeof rows = [];
  let size = 0;
  for (const row of rows) {
    if (size > 0 && size + row.content.length > options.limitBytes) break;
    picked.push(row);
    size += row.content.length;
  }
  return picked;
}
