import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

interface Target {
  host: string;
  port: number;
  user: string;
  password: string;
}

// MariaDB's names first; MySQL's client packages install the old ones.
const binary = (names: string[]) => names.find((name) => existsSync(`/usr/bin/${name}`)) ?? names[names.length - 1]!;
// The password goes through the environment, never the argv (visible in ps).
const args = (target: Target) => [
  `--host=${target.host}`,
  `--port=${target.port}`,
  `--user=${target.user}`,
  '--protocol=TCP',
];

/** `mysqldump --single-transaction` of one database into a gzip file; returns its size. */
export async function dumpDatabase(target: Target, name: string, file: string): Promise<number> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const child = spawn(
    binary(['mariadb-dump', 'mysqldump']),
    [...args(target), '--single-transaction', '--routines', '--triggers', '--events', '--skip-lock-tables', name],
    {
      env: { ...process.env, MYSQL_PWD: target.password },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exit = exited(child, 'mysqldump');
  await pipeline(child.stdout!, createGzip(), createWriteStream(file, { mode: 0o600 }));
  await exit;
  return (await stat(file)).size;
}

/** Feeds a gzip SQL archive into one database (the dump drops and recreates its tables). */
export async function loadDatabase(target: Target, name: string, file: string): Promise<void> {
  const child = spawn(binary(['mariadb', 'mysql']), [...args(target), name], {
    env: { ...process.env, MYSQL_PWD: target.password },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const exit = exited(child, 'mysql');
  await pipeline(createReadStream(file), createGunzip(), child.stdin!);
  await exit;
}

function exited(child: ReturnType<typeof spawn>, what: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`${what} could not start: ${error.message}; install the MariaDB/MySQL client (mariadb-client)`)),
    );
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${what} exited ${code}: ${stderr.trim()}`)),
    );
  });
}
