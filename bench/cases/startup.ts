/**
 * Cold start (fresh data directory: initdb, migrations) and warm start (same
 * data) of `sbx start` to /readyz 200, and the bot's idle RSS after start.
 * Goals (issue 2): first start < 60 s, second < 5 s.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from '../run';

const root = join(import.meta.dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startOnce(dataDir: string, port: number): Promise<{ readyMs: number; rssMb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, 'bin', 'sbx.js'), 'start'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SBX_DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    for (let i = 0; i < 1200; i += 1) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) break;
      } catch {
        // not yet listening
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const readyMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { readyMs, rssMb: rssKb / 1024 };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

export default async function startup(): Promise<BenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sbx-bench-start-'));
  const port = await freePort();
  try {
    const cold = await startOnce(dataDir, port);
    const warm: number[] = [];
    let rss = 0;
    for (let i = 0; i < 3; i += 1) {
      const run = await startOnce(dataDir, port);
      warm.push(run.readyMs);
      rss = run.rssMb;
    }
    warm.sort((a, b) => a - b);
    return {
      metrics: {
        'cold start to /readyz 200 (ms)': cold.readyMs,
        'warm start to /readyz 200, median of 3 (ms)': warm[1]!,
        'idle RSS after start (MiB)': rss,
      },
      notes: 'goals: cold < 60000 ms, warm < 5000 ms',
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
