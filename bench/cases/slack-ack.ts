/**
 * Issue 6: slash command → acknowledgement, 50 requests in flight, signed
 * like Slack signs them, against the real bot (HTTP mode on the shared
 * server, permission check, instance lookup, the enqueue transaction) and,
 * in the same run, a bare Bolt app that only acks. Goal: bot ≤ 2× bare, and
 * p99 well under 1 s. The bot's worker runs meanwhile; with no host capacity
 * each queued deploy ends at once, so what it adds is its database and Slack
 * report traffic, as in production.
 */
import { createServer, type Server } from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import type { Actor } from '../../src/core/model';
import { createManualInstance } from '../../src/core/operations/create-instance';
import { startFakeSlack } from '../../test/support/fake-slack';
import { slackSignature, slashCommandForm } from '../../test/support/slack-requests';
import type { BenchResult } from '../run';
import { percentile, startBenchBot, type BenchBot } from '../support/bench-bot';

const secret = 'bench-signing-secret';
const concurrency = 50;
const requests = 500;
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
    // Each target is warmed up (connections open, code paths hot) right before it is measured.
    const measure = async (url: string, command: (i: number) => Record<string, string>) => {
      await load(url, command, concurrency, 100);
      return load(url, command, concurrency, requests);
    };
    const bareTimes = await measure(bare.url, redeploy);
    const redeployTimes = await measure(botUrl, redeploy);
    const statusTimes = await measure(botUrl, status);
    const serialTimes = await load(botUrl, redeploy, 1, 100);

    const ratio = (times: number[], p: number) => percentile(times, p) / percentile(bareTimes, p);
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
      },
      notes: `${requests} signed slash commands per target at ${concurrency} in flight after 100 warm-up ones; bot = sbx start (web and worker in one process); goal: bot ≤ 2× bare Bolt, p99 well under 1000 ms`,
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

/** Sends `total` signed commands with `inFlight` at a time; returns each one's milliseconds to the answer. */
async function load(
  url: string,
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
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': slackSignature(secret, timestamp, body),
        },
        body,
      });
      const text = await response.text();
      times.push(performance.now() - started);
      if (response.status !== 200 || !text.includes('ephemeral'))
        throw new Error(`${url} answered ${response.status}: ${text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return times;
}
