import { DrizzleQueryError } from 'drizzle-orm/errors';

/** Connection-level failures: the server went away or cannot be reached, not a bad query. */
const lostConnectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'EPIPE',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
]);
const lostConnectionWords =
  /Connection terminated|terminating connection|the database system is (shutting down|starting up)|Client has encountered a connection error|timeout exceeded when trying to connect/i;

/**
 * The words `sbx` prints for an error it did not expect. A query that failed
 * because PostgreSQL went away (the bot that owned the embedded server
 * stopped, or DATABASE_URL points at a server that is down) says so and what
 * to do, instead of drizzle's "Failed query: select …".
 */
export function describeCliError(error: unknown): string {
  const cause = error instanceof DrizzleQueryError && error.cause ? error.cause : error;
  if (isLostConnection(cause)) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return `lost the connection to PostgreSQL (${detail}); the bot that started the embedded database may have stopped, or DATABASE_URL points at a server that is down. Start the bot again (npm start) or fix DATABASE_URL, then run the command again; work already queued is kept.`;
  }
  if (error instanceof DrizzleQueryError)
    return `a database query failed: ${cause instanceof Error ? cause.message : String(cause)}`;
  return error instanceof Error ? error.message : String(error);
}

function isLostConnection(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && lostConnectionCodes.has(code)) return true;
  if (lostConnectionWords.test(error.message)) return true;
  return error instanceof AggregateError && error.errors.some(isLostConnection);
}
