/**
 * Issue 6 and 18: slash command → acknowledgement, 50 requests in flight,
 * signed like Slack signs them, against the real bot (HTTP mode on the
 * shared server, replay guard, permission check, instance lookup, the
 * durable enqueue) and, in the same process, a bare Bolt app that only
 * acks. Goal: bot ≤ 2× bare at p50 and p99, p99 well under 1 s.
 *
 * Fair in both directions: both targets get the same client (node:http,
 * one keep-alive socket per request in flight, opened in the warm-up),
 * the targets alternate round by round so a change of machine load hits
 * both, and the bot's worker backlog is drained (no job runnable or
 * running) before every bare round and before every bot phase. During a
 * bot round the worker runs, as in production: with no host capacity each
 * queued deploy ends at once, so what it adds is its database and Slack
 * report traffic. As with `sbx start`, the worker takes and starts the jobs
 * a burst queues once the burst has been answered
 * (src/infra/http/requests-in-flight.ts: each of Graphile's connections and
 * each job start waits at most 500 ms); the same rounds with the worker
 * stopped show the acknowledgement path alone. fetch() was not used: undici reopened sockets between
 * phases and left ~40 of 500 requests waiting hundreds of ms while the
 * others ran at a lower concurrency (bare p50 too low, p99 too high).
 */
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import type { Pool } from 'pg';
import type { Actor } from '../../src/core/model';
import { createManualInstance } from '../../src/core/operations/create-instance';
import { startFakeSlack } from '../../test/support/fake-slack';
import { slackSignature, slashCommandForm } from '../../test/support/slack-requests';
import type { BenchResult } from '../run';
import { percentile, startBenchBot, type BenchBot } from '../support/bench-bot';

const secret = 'bench-signing-secret';
const concurrency = 50;
const requests = 500;
/** Rounds per target, alternating bare and bot; `requests` in all. */
const rounds = 5;
const instances = 50;
const actor: Actor = { surface: 'cli', id: 'bench' };

export default async function slackAck(): Promise<BenchResult> {
  const fake = await startFakeSlack({ allow: ['auth.test', 'chat.postMessage', 'chat.update'] });
  const bare = await startBareBolt(fake.apiUrl);
  let bench: BenchBot | undefined;
  try {
    bench = await startBenchBot(`
repositories:
  - name: acme/sample
    url: file:///nonexistent
    script:
      start: exec sleep 600
compute:
  local:
    capacity: 0
slack:
  bot_token: xoxb-bench
  signing_secret: ${secret}
  api_url: ${fake.apiUrl}
  permissions:
    deploy: ['*']
`);
    const repository = bench.config.repositories[0]!;
    for (let i = 0; i < instances; i += 1) {
      await createManualInstance(bench.bot.provisioning.store, {
        slug: `bench-${i}`,
        repository: {
          name: repository.name,
          url: repository.url,
          defaultSettings: {},
          defaultFields: {},
          extraDomainPrefixes: [],
        },
        ref: 'main',
        globalFields: {},
        ephemeralDatabases: true,
        baseDomain: bench.config.base_domain,
        actor,
      });
    }
    const botUrl = `http://127.0.0.1:${bench.bot.port}/slack/events`;
    const responseUrl = fake.responseUrl();
    // Slack gives every request its own trigger_id: two identical bodies signed in the same second are a replay.
    let sent = 0;
    const form = (command: string, text: (i: number) => string) => (i: number) => ({
      ...slashCommandForm({ command, text: text(i), responseUrl, user: `U${i % 7}` }),
      trigger_id: `${i}.${(sent += 1)}`,
    });
    const redeploy = form('/redeploy', (i) => `bench-${i % instances}`);
    const status = form('/sandbox', (i) => `status bench-${i % instances}`);
    const pool = bench.bot.database.pool;
    const drain = () => drainWorker(pool);
    const bareClient = keepAliveClient(bare.url, concurrency);
    const botClient = keepAliveClient(botUrl, concurrency);
    // Warm-up: every socket open, code paths hot, then nothing left for the worker.
    await load(bareClient, redeploy, concurrency, 100);
    await load(botClient, redeploy, concurrency, 100);
    await load(botClient, status, concurrency, 100);
    await drain();
    const bareTimes: number[] = [];
    const redeployTimes: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      bareTimes.push(...(await load(bareClient, redeploy, concurrency, requests / rounds)));
      redeployTimes.push(...(await load(botClient, redeploy, concurrency, requests / rounds)));
      await drain();
    }
    const statusTimes = await load(botClient, status, concurrency, requests);
    await drain();
    const serialTimes = await load(botClient, redeploy, 1, 100);
    // The acknowledgement path alone: the same alternating rounds with the bot's worker stopped, so the
    // deploy jobs each /redeploy queues (about 4 jobs and 60 statements each) do not share the CPU.
    await bench.bot.worker?.stop(2_000);
    const quietBareTimes: number[] = [];
    const quietRedeployTimes: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      quietBareTimes.push(...(await load(bareClient, redeploy, concurrency, requests / rounds)));
      quietRedeployTimes.push(...(await load(botClient, redeploy, concurrency, requests / rounds)));
    }
    const quietSerialTimes = await load(botClient, redeploy, 1, 100);
    bareClient.close();
    botClient.close();

    const ratio = (times: number[], p: number, floor = bareTimes) => percentile(times, p) / percentile(floor, p);
    return {
      metrics: {
        'bare Bolt ack p50 (ms)': percentile(bareTimes, 50),
        'bare Bolt ack p99 (ms)': percentile(bareTimes, 99),
        '/redeploy ack p50 (ms)': percentile(redeployTimes, 50),
        '/redeploy ack p99 (ms)': percentile(redeployTimes, 99),
        '/redeploy p50 / bare p50': ratio(redeployTimes, 50),
        '/redeploy p99 / bare p99': ratio(redeployTimes, 99),
        '/sandbox status ack p50 (ms)': percentile(statusTimes, 50),
        '/sandbox status ack p99 (ms)': percentile(statusTimes, 99),
        '/sandbox status p50 / bare p50': ratio(statusTimes, 50),
        '/redeploy ack, one at a time, p50 (ms)': percentile(serialTimes, 50),
        'worker stopped: bare Bolt ack p50 (ms)': percentile(quietBareTimes, 50),
        'worker stopped: bare Bolt ack p99 (ms)': percentile(quietBareTimes, 99),
        'worker stopped: /redeploy ack p50 (ms)': percentile(quietRedeployTimes, 50),
        'worker stopped: /redeploy ack p99 (ms)': percentile(quietRedeployTimes, 99),
        'worker stopped: /redeploy p50 / bare p50': ratio(quietRedeployTimes, 50, quietBareTimes),
        'worker stopped: /redeploy p99 / bare p99': ratio(quietRedeployTimes, 99, quietBareTimes),
        'worker stopped: /redeploy one at a time p50 (ms)': percentile(quietSerialTimes, 50),
      },
      notes: `${requests} signed slash commands per target at ${concurrency} in flight after 100 warm-up ones, in ${rounds} alternating rounds (bare, bot); the worker backlog is drained before each bare round and before /sandbox status and one-at-a-time; bot = sbx start (web and worker in one process, the worker running during bot rounds and taking the jobs a burst queued once it is answered; then the same rounds with the worker stopped: the acknowledgement path alone); goal: bot ≤ 2× bare Bolt, p99 well under 1000 ms`,
    };
  } finally {
    await bench?.stop();
    await bare.close();
    await fake.close();
  }
}

/** A Bolt app whose only listener acks: the floor for the same signature check and parsing. */
async function startBareBolt(apiUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const receiver = new HTTPReceiver({ signingSecret: secret, endpoints: ['/slack/events'] });
  const app = new App({ token: 'xoxb-bare', receiver, clientOptions: { slackApiUrl: apiUrl } });
  app.command(/.*/, async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: 'ok' });
  });
  const server: Server = createServer(receiver.requestListener);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Client {
  post(body: string, headers: Record<string, string>): Promise<{ status: number; text: string }>;
  close(): void;
}

/** One keep-alive socket per request in flight, for one target. */
function keepAliveClient(url: string, sockets: number): Client {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return {
    post: (body, headers) =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          url,
          { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/** Waits until the worker has no job it could run or is running (at most 60 s). */
async function drainWorker(pool: Pool): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await pool.query<{ busy: number }>(
      `select count(*)::int as busy from graphile_worker.jobs
        where locked_at is not null or (run_at <= now() and attempts < max_attempts)`,
    );
    if (rows[0]!.busy === 0) return;
    if (Date.now() > deadline) throw new Error(`the worker still has ${rows[0]!.busy} jobs after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sends `total` signed commands with `inFlight` at a time; returns each one's milliseconds to the answer. */
async function load(
  client: Client,
  form: (i: number) => Record<string, string>,
  inFlight: number,
  total: number,
): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      const body = new URLSearchParams(form(i)).toString();
      const timestamp = Math.floor(Date.now() / 1000);
      const started = performance.now();
      const response = await client.post(body, {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(secret, timestamp, body),
      });
      times.push(performance.now() - started);
      if (response.status !== 200 || !response.text.includes('ephemeral'))
        throw new Error(`answered ${response.status}: ${response.text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return times;
}
