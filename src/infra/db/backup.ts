import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';

const run = promisify(execFile);

/** A PostgreSQL client program (pg_dump, pg_restore) new enough for the server, or an error that says what to install. */
export async function findPgTool(
  tool: 'pg_dump' | 'pg_restore',
  serverMajor: number,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const override = env[tool === 'pg_dump' ? 'SBX_PG_DUMP' : 'SBX_PG_RESTORE'];
  const candidates = [
    ...(override ? [override] : []),
    // Debian's per-version directories, newest first, then whatever PATH has.
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => join('/usr/lib/postgresql', v, 'bin', tool))
      : []),
    tool,
  ];
  const seen: string[] = [];
  for (const candidate of candidates) {
    const major = await toolMajor(candidate, env);
    if (major === null) continue;
    seen.push(`${candidate} (${major})`);
    if (major >= serverMajor) return candidate;
  }
  throw new Error(
    `no ${tool} for PostgreSQL ${serverMajor} or newer (found: ${seen.join(', ') || 'none'}); install the PostgreSQL ${serverMajor} client programs or point ${tool === 'pg_dump' ? 'SBX_PG_DUMP' : 'SBX_PG_RESTORE'} at one`,
  );
}

async function toolMajor(path: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  try {
    const { stdout } = await run(path, ['--version'], { env, timeout: 10_000 });
    const match = /(\d+)(?:\.\d+)?/.exec(stdout.replace(/^[^)]*\)/, ''));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export async function serverMajor(pool: pg.Pool): Promise<number> {
  const result = await pool.query<{ server_version_num: string }>('show server_version_num');
  return Math.floor(Number(result.rows[0]!.server_version_num) / 10_000);
}

/** The URL without its password (given to the tool in PGPASSWORD, so it is not on a command line others can read). */
function split(url: string): { dbname: string; password: string | null } {
  const parsed = new URL(url);
  const password = parsed.password ? decodeURIComponent(parsed.password) : null;
  parsed.password = '';
  return { dbname: parsed.toString(), password };
}

/**
 * A consistent dump of the whole database (the bot's tables and Graphile
 * Worker's queue, one snapshot) in pg_dump's custom format, written to
 * `file` with mode 0600. Secrets stay as stored (settings that were
 * encrypted or masked stay so).
 */
export async function dumpDatabase({
  url,
  file,
  tool,
  env,
}: {
  url: string;
  file: string;
  tool: string;
  env: NodeJS.ProcessEnv;
}): Promise<void> {
  const { dbname, password } = split(url);
  await run(tool, ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`, `--dbname=${dbname}`], {
    env: { ...env, ...(password ? { PGPASSWORD: password } : {}) },
    timeout: 60 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Replaces the database's contents with a dump's, in one transaction (all or nothing). */
export async function restoreDatabase({
  url,
  file,
  tool,
  env,
}: {
  url: string;
  file: string;
  tool: string;
  env: NodeJS.ProcessEnv;
}): Promise<void> {
  const { dbname, password } = split(url);
  await run(
    tool,
    [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--no-privileges',
      '--single-transaction',
      '--exit-on-error',
      `--dbname=${dbname}`,
      file,
    ],
    {
      env: { ...env, ...(password ? { PGPASSWORD: password } : {}) },
      timeout: 60 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}

/** Processes with a worker heartbeat in the last minute (a restore under them would be overwritten or confuse them). */
export async function liveWorkers(pool: pg.Pool): Promise<string[]> {
  const result = await pool
    .query<{ process: string }>(
      `select distinct process from worker_heartbeats where last_seen_at > now() - interval '1 minute'`,
    )
    .catch(() => ({ rows: [] as { process: string }[] }));
  return result.rows.map((row) => row.process);
}
