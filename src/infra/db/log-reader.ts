import type pg from 'pg';
import type { AppserverState } from '../../core/appserver-state';

export interface LogChunk {
  /** Byte offset of the chunk in the deploy log: the SSE event id. */
  offset: number;
  content: string;
}

/**
 * Reads stored deploy logs for the status pages with byte-bounded queries:
 * a 10 MB log is never loaded whole to show its tail or the next few lines.
 * The window sums stop at the LIMIT, and octet_length does not decompress.
 */
export interface LogReader {
  /** The chunks after `afterOffset`, at least one, then as many as fit in `limitBytes`. */
  after(appserverId: number, afterOffset: number, limitBytes: number): Promise<LogChunk[]>;
  /** The last chunks covering at least `bytes` (or the whole log when shorter). */
  tail(appserverId: number, bytes: number): Promise<LogChunk[]>;
  /** Offset of the last stored chunk, -1 when none. */
  lastOffset(appserverId: number): Promise<number>;
  /** The appserver's state and how far its log has been stored; null when it is gone. */
  progress(appserverId: number): Promise<{ state: AppserverState; logOffset: number } | null>;
}

const maxChunks = 256;
// Offsets leave the database as text (bigint) and are sorted as numbers: always order by t."offset", never by the text alias.

/** `redact` runs over every chunk read: logs are redacted when stored, and again here for secrets configured since. */
export function createLogReader(pool: pg.Pool, redact: (text: string) => string): LogReader {
  const rows = (result: pg.QueryResult<{ offset: string; content: string }>) =>
    result.rows.map((row) => ({ offset: Number(row.offset), content: redact(row.content) }));
  return {
    async after(appserverId, afterOffset, limitBytes) {
      return rows(
        await pool.query(
          `select t."offset"::text as "offset", t.content from (
             select "offset", content, sum(octet_length(content)) over (order by "offset") - octet_length(content) as before
             from log_chunks where appserver_id = $1 and "offset" > $2 order by "offset" limit ${maxChunks}
           ) t where t.before < $3 order by t."offset"`,
          [appserverId, afterOffset, limitBytes],
        ),
      );
    },
    async tail(appserverId, bytes) {
      return rows(
        await pool.query(
          `select t."offset"::text as "offset", t.content from (
             select "offset", content, sum(octet_length(content)) over (order by "offset" desc) - octet_length(content) as after_it
             from log_chunks where appserver_id = $1 order by "offset" desc limit ${maxChunks}
           ) t where t.after_it < $2 order by t."offset"`,
          [appserverId, bytes],
        ),
      );
    },
    async lastOffset(appserverId) {
      const result = await pool.query<{ offset: string | null }>(
        `select max("offset")::text as "offset" from log_chunks where appserver_id = $1`,
        [appserverId],
      );
      return result.rows[0]?.offset === null || result.rows[0]?.offset === undefined
        ? -1
        : Number(result.rows[0].offset);
    },
    async progress(appserverId) {
      const result = await pool.query<{ state: AppserverState; log_offset: string }>(
        `select state, log_offset::text from appservers where id = $1`,
        [appserverId],
      );
      const row = result.rows[0];
      return row ? { state: row.state, logOffset: Number(row.log_offset) } : null;
    },
  };
}
