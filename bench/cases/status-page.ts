/**
 * Issue 7: the instance page of a sandbox with 50 appservers and a 10 MB
 * deploy log, opened by 20 concurrent signed-in viewers (server time p99,
 * from the Server-Timing header, and the latency each viewer saw); then 20
 * viewers following the live log while the deploy writes 2 KB chunks for 45 s
 * (plus 2 viewers that stop reading): the server's heap and RSS must stay
 * flat. The server is `sbx web` in its own process, so its memory is its own.
 * BENCH_LIVE_SECONDS shortens the live phase; BENCH_SERVER_NODE_ARGS passes
 * flags to the server's node (e.g. --cpu-prof).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from '../../drizzle/schema';
import type { AppserverState } from '../../src/core/appserver-state';
import { createManualInstance } from '../../src/core/operations/create-instance';
import { ensureDatabaseExists, withDatabase } from '../../src/infra/db/database';
import { createSandboxStore } from '../../src/infra/db/sandbox-store';
import { startEmbeddedPostgres } from '../../src/infra/db/embedded-postgres';
import { createSignedValues } from '../../src/web/auth/signed-values';
import { sessionCookie } from '../../src/web/auth/web-auth';
import { parseSse } from '../../test/support/sse-client';
import type { BenchResult } from '../run';

const root = join(import.meta.dirname, '..', '..');
const sessionSecret = 'bench-session-secret-0123456789abcdef0123456789';
const viewers = 20;
const pageRequests = 1_000;
const logBytes = 10 * 1024 * 1024;
const liveSeconds = Number(process.env.BENCH_LIVE_SECONDS ?? 45);
/** Extra node flags for the server, e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it. */
const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const liveChunkBytes = 2 * 1024;
const liveChunksPerSecond = 50;

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export default async function statusPage(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-bench-status-'));
  chmodSync(dir, 0o755);
  const postgres = await startEmbeddedPostgres({
    dataDir: join(dir, 'pg'),
    settings: { fsync: 'off', synchronous_commit: 'off' },
  });
  await ensureDatabaseExists(postgres.url, 'bench');
  const databaseUrl = withDatabase(postgres.url, 'bench');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'sandbox.yml'),
    'repositories:\n  - name: acme/bench\n    url: file:///nonexistent\n    settings:\n      DB_PASSWORD: bench-password\n      LANGUAGE: fr\nweb:\n  auth:\n    orgs: [acme]\n',
  );
  const server = spawn(process.execPath, [...nodeArgs, join(root, 'bin', 'sbx.js'), 'web'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SBX_CONFIG: join(dir, 'sandbox.yml'),
      SBX_DATA_DIR: join(dir, 'data'),
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      PUBLIC_URL: base,
      SESSION_SECRET: sessionSecret,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => server.on('exit', resolve));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  try {
    for (let ready = false, i = 0; !ready; i += 1) {
      if (i === 1200 || server.exitCode !== null) throw new Error('sbx web did not become ready within 60 s');
      ready = (await fetch(`${base}/readyz`).catch(() => null))?.status === 200;
      if (!ready) await sleep(50);
    }
    const { liveAppserverId } = await seed(pool);
    const cookie = `${sessionCookie}=${createSignedValues(sessionSecret).seal('session', { login: 'bench', memberOf: ['acme'], sid: 'bench' }, 3_600_000)}`;
    const rss = () =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    const heap = async () =>
      Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1]) /
      1024 /
      1024;

    const page = await measurePages(`${base}/sandboxes/bench`, cookie);
    const live = await measureLive({ base, cookie, pool, appserverId: liveAppserverId, rss, heap });
    return {
      metrics: {
        'instance page bytes (50 appservers, 10 MB log)': page.bytes,
        'instance page bytes on the wire (gzip)': page.wire,
        'instance page: server time, one viewer at a time, p50 (ms)': page.aloneP50,
        'instance page: server time p50 at 20 viewers (ms)': page.serverP50,
        'instance page: server time p99 at 20 viewers (ms)': page.serverP99,
        'instance page: latency p50 at 20 viewers (ms)': page.latencyP50,
        'instance page: latency p99 at 20 viewers (ms)': page.latencyP99,
        'instance page: requests per second': page.perSecond,
        'live log: bytes written': live.written,
        'live log: viewers that received every byte exactly once': live.complete,
        'live log: server heap used, start → end (MiB)': `${live.heapStart.toFixed(1)} → ${live.heapEnd.toFixed(1)}`,
        'live log: server heap used, max (MiB)': live.heapMax,
        'live log: server RSS, start → end (MiB)': `${live.rssStart.toFixed(1)} → ${live.rssEnd.toFixed(1)}`,
        'live log: server heap slope over the last 30 s (MiB/min)': live.heapSlope,
        'live log: server RSS slope over the last 30 s (MiB/min)': live.rssSlope,
      },
      notes: `${pageRequests} page views at ${viewers} in flight; ${viewers} live viewers + 2 that stop reading, ${liveSeconds} s at ${liveChunksPerSecond} chunks/s of ${liveChunkBytes} B`,
    };
  } finally {
    await pool.end();
    server.kill('SIGTERM');
    await exited;
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One instance with 50 appservers (mixed states; the newest deploying) and a 10 MB log on the newest. */
async function seed(pool: pg.Pool): Promise<{ liveAppserverId: number }> {
  const store = createSandboxStore(drizzle(pool, { schema }));
  const instance = await createManualInstance(store, {
    slug: 'bench',
    repository: {
      name: 'acme/bench',
      url: 'file:///nonexistent',
      defaultSettings: { DB_PASSWORD: 'bench-password', LANGUAGE: 'fr' },
      defaultFields: { openedx_release: 'open-release/redwood.1' },
      extraDomainPrefixes: ['studio', 'preview'],
    },
    ref: 'main',
    globalFields: {},
    ephemeralDatabases: true,
    baseDomain: 'localhost',
    actor: { surface: 'cli', id: 'bench' },
  });
  const host =
    (await store.listHosts())[0] ??
    (await store.upsertHost({
      name: 'local',
      provider: 'local',
      address: '127.0.0.1',
      capacity: 100,
      portRangeLow: 41000,
      portRangeHigh: 41999,
      workRoot: '/tmp',
    }));
  const cycle: AppserverState[] = ['terminated', 'failed', 'running', 'cancelled'];
  let last = 0;
  for (let n = 1; n <= 50; n += 1) {
    const state: AppserverState = n === 50 ? 'configuring' : n === 49 ? 'running' : cycle[n % cycle.length]!;
    const created = await store.insertAppserver({
      instanceId: instance.id,
      config: { slug: 'bench', domains: [instance.domain] },
      commitSha: `${n.toString(16).padStart(8, '0')}${'a'.repeat(32)}`,
    });
    await store.transitionAppserver(created.id, 'new', 'waiting', { hostId: host.id, port: 42000 + n });
    await store.transitionAppserver(created.id, 'waiting', 'configuring', { configuringAt: new Date() });
    if (state !== 'configuring') {
      const failed = state === 'failed';
      await store.transitionAppserver(
        created.id,
        'configuring',
        state === 'terminated' ? 'running' : state,
        failed
          ? {
              failureReason: `deploy phase exited with status 2; last lines:\n${'error: something broke\n'.repeat(20)}`,
              finishedAt: new Date(),
            }
          : { readyAt: new Date() },
      );
      if (state === 'terminated')
        await store.transitionAppserver(created.id, 'running', 'terminated', { terminatedAt: new Date() });
    }
    last = created.id;
    if (n === 49) await store.updateInstance(instance.id, { activeAppserverId: created.id });
  }
  const chunk = 1024;
  await pool.query(
    `insert into log_chunks (appserver_id, "offset", content)
     select $1, (g - 1) * ${chunk}, rpad('deploy line ' || g || ' ', ${chunk - 1}, '.') || E'\\n' from generate_series(1, $2::int) g`,
    [last, logBytes / chunk],
  );
  await pool.query(`update appservers set log_offset = $2 where id = $1`, [last, logBytes]);
  return { liveAppserverId: last };
}

async function measurePages(url: string, cookie: string) {
  const server: number[] = [];
  const latency: number[] = [];
  let bytes = 0;
  let wire = 0;
  let next = 0;
  const get = async () => {
    const started = performance.now();
    const answer = await fetch(url, { headers: { cookie } });
    const body = await answer.text();
    if (answer.status !== 200 || !body.includes('data-stream='))
      throw new Error(`instance page answered ${answer.status}`);
    bytes = Buffer.byteLength(body);
    wire = Number(answer.headers.get('content-length'));
    return {
      ms: performance.now() - started,
      server: Number(/app;dur=([\d.]+)/.exec(answer.headers.get('server-timing') ?? '')?.[1]),
    };
  };
  for (let i = 0; i < 50; i += 1) await get();
  const alone: number[] = [];
  for (let i = 0; i < 100; i += 1) alone.push((await get()).server);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: viewers }, async () => {
      while (next < pageRequests) {
        next += 1;
        const result = await get();
        latency.push(result.ms);
        server.push(result.server);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    bytes,
    wire,
    aloneP50: percentile(alone, 50),
    serverP50: percentile(server, 50),
    serverP99: percentile(server, 99),
    latencyP50: percentile(latency, 50),
    latencyP99: percentile(latency, 99),
    perSecond: pageRequests / seconds,
  };
}

async function measureLive(options: {
  base: string;
  cookie: string;
  pool: pg.Pool;
  appserverId: number;
  rss: () => number;
  heap: () => Promise<number>;
}) {
  const url = `${options.base}/sandboxes/bench/appservers/50/log/stream?after=${logBytes - 1024}`;
  const controller = new AbortController();
  const received = Array.from({ length: viewers }, () => ({ bytes: 0, ids: new Set<string>(), duplicates: 0 }));
  const readers = received.map(async (tally) => {
    const answer = await fetch(url, { headers: { cookie: options.cookie }, signal: controller.signal });
    const reader = answer.body!.getReader();
    const decoder = new TextDecoder();
    let rest = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const parsed = parseSse(rest + decoder.decode(value, { stream: true }));
        rest = parsed.rest;
        for (const event of parsed.events) {
          if (event.event !== 'log') continue;
          if (tally.ids.has(event.id!)) tally.duplicates += 1;
          tally.ids.add(event.id!);
          tally.bytes += Buffer.byteLength(event.data);
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  });
  // Two viewers that open the stream and never read: their sockets fill up and the server must stop writing to them.
  const stalled = await Promise.all(
    [0, 1].map(() => fetch(url, { headers: { cookie: options.cookie }, signal: controller.signal })),
  );
  await sleep(1_000);
  const samples: { at: number; rss: number; heap: number }[] = [];
  const sample = async () => samples.push({ at: performance.now(), rss: options.rss(), heap: await options.heap() });
  await sample();
  const store = createSandboxStore(drizzle(options.pool, { schema }));
  let offset = logBytes;
  let written = 0;
  const started = performance.now();
  const line = 'x'.repeat(liveChunkBytes - 1) + '\n';
  let nextSample = started + 1_000;
  for (let i = 0; i < liveSeconds * liveChunksPerSecond; i += 1) {
    await store.appendLog(options.appserverId, offset, line, offset + line.length);
    offset += line.length;
    written += line.length;
    const due = started + ((i + 1) * 1000) / liveChunksPerSecond;
    if (performance.now() >= nextSample) {
      await sample();
      nextSample += 1_000;
    }
    await sleep(Math.max(0, due - performance.now()));
  }
  for (let i = 0; i < 40 && received.some((tally) => tally.bytes < written); i += 1) await sleep(250);
  await sample();
  controller.abort();
  await Promise.allSettled([...readers, ...stalled.map((answer) => answer.body?.cancel())]);
  const tail = samples.filter((s) => s.at >= samples.at(-1)!.at - 30_000);
  return {
    written,
    complete: received.filter((tally) => tally.bytes === written && tally.duplicates === 0).length,
    heapStart: samples[0]!.heap,
    heapEnd: samples.at(-1)!.heap,
    heapMax: Math.max(...samples.map((s) => s.heap)),
    rssStart: samples[0]!.rss,
    rssEnd: samples.at(-1)!.rss,
    rssSlope: slope(tail.map((s) => [(s.at - tail[0]!.at) / 60_000, s.rss])),
    heapSlope: slope(tail.map((s) => [(s.at - tail[0]!.at) / 60_000, s.heap])),
  };
}

/** Least-squares slope of y over x. */
function slope(points: number[][]): number {
  const n = points.length;
  const mx = points.reduce((sum, [x]) => sum + x!, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y!, 0) / n;
  const num = points.reduce((sum, [x, y]) => sum + (x! - mx) * (y! - my), 0);
  const den = points.reduce((sum, [x]) => sum + (x! - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}
