/**
 * Issue 5: GitHub webhook intake against the real bot (`sbx start` in this
 * process: web and worker, embedded PostgreSQL, a fake GitHub on loopback).
 *
 * 1. Webhook → 2xx, p50/p99, 500 signed `pull_request.synchronize`
 *    deliveries at 50 in flight, against a bare Probot app with an empty
 *    handler measured in the same run. Goal: bot ≤ 2× bare.
 * 2. 1000 deliveries in 10 s (250 PRs × 2 commits × a delivery and its
 *    redelivery): all 2xx, one pending sync per PR (jobKey), one delivery
 *    row per delivery id.
 * 3. Webhook received → provisioning task (deploy_instance) starts, p50,
 *    `pull_request.opened` through the sync job (which reads the PR from the
 *    fake API), against raw `add_job` → the same task start. Both ends are
 *    database timestamps. Goal ≤ 3×.
 */
import { createServer, type Server } from 'node:http';
import { createNodeMiddleware, Probot } from 'probot';
import { octokitClass } from '../../src/infra/github/github-app';
import { createLogger } from '../../src/infra/logger';
import { startFakeGitHub, type FakeGitHub } from '../../test/support/fake-github';
import { postWebhook, pullRequestEvent, testPrivateKey } from '../../test/support/github-webhooks';
import type { BenchResult } from '../run';
import { percentile, startBenchBot, type BenchBot } from '../support/bench-bot';
import { fakeGitHubAppYml, idleRepositoryYml } from '../../test/support/sandbox-yml';

const secret = 'bench-webhook-secret';
const repository = 'acme/app';
const concurrency = 50;
const requests = 500;

export default async function githubWebhooks(): Promise<BenchResult> {
  const privateKey = testPrivateKey();
  const fake = await startFakeGitHub();
  fake.addRepo(repository);
  fake.setPermission(repository, 'dev', 'write');
  const bare = await startBareProbot(privateKey);
  let bench: BenchBot | undefined;
  try {
    bench = await startBenchBot(`
repositories:
${idleRepositoryYml(repository)}
compute:
  local:
    capacity: 0
${fakeGitHubAppYml(fake.host, secret, privateKey, { sync_debounce: '10m' })}
`);
    const botUrl = `http://127.0.0.1:${bench.bot.port}`;
    const push = (i: number) =>
      pullRequestEvent('synchronize', repository, pullJson(1 + (i % 100), `${i}`.padStart(40, 'a')));
    await load(bare.url, push, concurrency, 100);
    const bareTimes = await load(bare.url, push, concurrency, requests);
    await load(botUrl, push, concurrency, 100);
    const botTimes = await load(botUrl, push, concurrency, requests);

    const burst = await thousandInTenSeconds(bench, botUrl);
    const starts = await taskStarts(bench, botUrl, fake);
    const ratio = (p: number) => percentile(botTimes, p) / percentile(bareTimes, p);
    return {
      metrics: {
        'bare Probot webhook → 2xx p50 (ms)': percentile(bareTimes, 50),
        'bare Probot webhook → 2xx p99 (ms)': percentile(bareTimes, 99),
        'bot webhook → 2xx p50 (ms)': percentile(botTimes, 50),
        'bot webhook → 2xx p99 (ms)': percentile(botTimes, 99),
        'bot p50 / bare p50': ratio(50),
        'bot p99 / bare p99': ratio(99),
        '1000 in 10 s: 2xx answers': burst.ok,
        '1000 in 10 s: p99 (ms)': burst.p99,
        '1000 in 10 s: delivery rows (unique ids)': burst.rows,
        '1000 in 10 s: pending syncs (PRs)': burst.jobs,
        'raw add_job → task start p50 (ms)': percentile(starts.raw, 50),
        'webhook → provisioning task start p50 (ms)': percentile(starts.webhook, 50),
        'webhook → task start p50 / raw p50': percentile(starts.webhook, 50) / percentile(starts.raw, 50),
      },
      notes:
        `${requests} signed deliveries per target at ${concurrency} in flight after 100 warm-up ones (the bare app uses the same unthrottled Octokit); ` +
        `the provisioning path includes the sync job's reads from a local fake GitHub (token, PR, permission); goals: 2xx ≤ 2× bare, task start ≤ 3× raw add_job, 1000 in 10 s all 2xx with one job per PR`,
    };
  } finally {
    await bench?.stop();
    await bare.close();
    await fake.stop();
  }
}

function pullJson(number: number, sha: string, author = 'dev'): Record<string, unknown> {
  const repo = { full_name: repository, clone_url: `https://github.example/${repository}.git` };
  return {
    number,
    state: 'open',
    draft: false,
    body: null,
    html_url: `https://github.example/${repository}/pull/${number}`,
    user: { login: author },
    head: { sha, ref: `f${number}`, repo },
    base: { repo },
  };
}

async function thousandInTenSeconds(
  bench: BenchBot,
  botUrl: string,
): Promise<{ ok: number; p99: number; rows: number; jobs: number }> {
  const deliveries: { payload: Record<string, unknown>; id: string }[] = [];
  for (let pr = 0; pr < 250; pr += 1) {
    for (let commit = 0; commit < 2; commit += 1) {
      const id = `burst-${pr}-${commit}`;
      const payload = pullRequestEvent(
        'synchronize',
        repository,
        pullJson(10_000 + pr, `${pr}-${commit}`.padStart(40, 'b')),
      );
      deliveries.push({ payload, id }, { payload, id });
    }
  }
  const times: number[] = [];
  let ok = 0;
  const started = performance.now();
  await Promise.all(
    deliveries.map(async (delivery, i) => {
      // A steady 100 per second.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, i * 10 - (performance.now() - started))));
      const answer = await postWebhook(botUrl, 'pull_request', delivery.payload, { secret, deliveryId: delivery.id });
      times.push(answer.ms);
      if (answer.status >= 200 && answer.status < 300) ok += 1;
    }),
  );
  const pool = bench.bot.database.pool;
  const rows = Number(
    (await pool.query(`select count(*) from webhook_deliveries where delivery_id like 'burst-%'`)).rows[0].count,
  );
  const jobs = Number(
    (await pool.query(`select count(*) from graphile_worker._private_jobs where key like 'pr:acme/app#1____'`)).rows[0]
      .count,
  );
  return { ok, p99: percentile(times, 99), rows, jobs };
}

async function taskStarts(
  bench: BenchBot,
  botUrl: string,
  fake: FakeGitHub,
): Promise<{ raw: number[]; webhook: number[] }> {
  const { store } = bench.bot.provisioning;
  const pool = bench.bot.database.pool;
  const raw: number[] = [];
  const webhook: number[] = [];
  const instance = await store.insertInstance({
    slug: 'bench-raw',
    domain: 'bench-raw.localhost',
    kind: 'manual',
    prRepo: repository,
    repoUrl: 'file:///nonexistent',
    ref: 'main',
  });
  const firstAppserver = async (deploymentId: number) => {
    for (let i = 0; i < 2_000; i += 1) {
      const found = await pool.query<{ created_at: Date }>(
        'select created_at from appservers where deployment_id = $1',
        [deploymentId],
      );
      if (found.rows[0]) return found.rows[0].created_at;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`deployment ${deploymentId} never started`);
  };
  for (let i = 0; i < 30; i += 1) {
    const deployment = await store.insertDeployment({
      instanceId: instance.id,
      requestedBy: 'bench',
      surface: 'cli',
      ref: 'main',
    });
    const added = await pool.query<{ at: Date }>(
      `select clock_timestamp() as at, graphile_worker.add_job('deploy_instance', json_build_object('deploymentId', $1::int), queue_name => $2)`,
      [deployment.id, `instance:${instance.id}`],
    );
    raw.push((await firstAppserver(deployment.id)).getTime() - added.rows[0]!.at.getTime());
  }
  for (let i = 0; i < 30; i += 1) {
    const number = 20_000 + i;
    const sha = `${i}`.padStart(40, 'c');
    fake.setPull(repository, { number, headSha: sha, author: 'dev' });
    const answer = await postWebhook(
      botUrl,
      'pull_request',
      pullRequestEvent('opened', repository, fake.pullJson(repository, number)),
      { secret },
    );
    const received = (
      await pool.query<{ received_at: Date }>('select received_at from webhook_deliveries where delivery_id = $1', [
        answer.deliveryId,
      ])
    ).rows[0]!.received_at;
    let deploymentId: number | null = null;
    for (let round = 0; round < 2_000 && deploymentId === null; round += 1) {
      const found = await pool.query<{ id: number }>(
        'select d.id from deployments d join instances i on i.id = d.instance_id where i.pr_number = $1',
        [number],
      );
      deploymentId = found.rows[0]?.id ?? null;
      if (deploymentId === null) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (deploymentId === null) throw new Error(`PR ${number} was never deployed`);
    webhook.push((await firstAppserver(deploymentId)).getTime() - received.getTime());
  }
  return { raw, webhook };
}

/** A Probot app whose only handler does nothing: the floor for the same verification and parsing. */
async function startBareProbot(privateKey: string): Promise<{ url: string; close(): Promise<void> }> {
  const probot = new Probot({
    appId: 1,
    privateKey,
    secret,
    Octokit: octokitClass(false),
    log: createLogger({ level: 'error', format: 'json' }),
  });
  const middleware = await createNodeMiddleware((app) => app.onAny(async () => undefined), {
    probot,
    webhooksPath: '/api/github/webhooks',
  });
  const server: Server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Sends `total` signed deliveries with `inFlight` at a time; returns each one's milliseconds to the answer. */
async function load(
  url: string,
  payload: (i: number) => Record<string, unknown>,
  inFlight: number,
  total: number,
): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      const answer = await postWebhook(url, 'pull_request', payload(i), { secret });
      times.push(answer.ms);
      if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return times;
}
