import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createProvisioning } from '../../src/app/provisioning';
import { loadConfig } from '../../src/config/load-config';
import { openDatabase } from '../../src/infra/db/database';
import { createLogger } from '../../src/infra/logger';
import { startFakeGitHub, type FakeGitHub } from './fake-github';
import { startFakeSlack, type FakeSlack } from './fake-slack';
import { gitHubEnv, postWebhook, pullRequestEvent, testPrivateKey, webhookSecret } from './github-webhooks';
import { makeNextRelease, type NextRelease } from './next-release';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy';
import { createSampleRepo, type SampleRepo } from './sample-repo';
import { postToSlack, slashCommandForm } from './slack-requests';
import { freePort, runSbx, spawnSbx, type SbxProcess } from './spawn-sbx';
import { killAppservers } from './test-bot';
import { waitFor } from './wait-for';

/**
 * The rolling update of docs/operations.md, run for real: two `sbx web` and
 * two `sbx worker` processes of the current checkout on one PostgreSQL,
 * behind a round-robin proxy that health-checks `/readyz`; a steady stream
 * of signed webhooks, signed Slack commands and status-page requests; then
 * `sbx migrate` of the next release (one additive migration more), and
 * each process in turn (workers, then web processes) stopped with SIGTERM
 * and started again from the next release. Pull requests opened and sandboxes created from Slack all
 * along give the workers deploys to hand over. Used by
 * test/operations/rolling-update.test.ts and bench/cases/rolling-update.ts.
 */
export interface RollingUpdateOptions {
  /** An empty database of its own (the processes migrate it). */
  databaseUrl: string;
  /** `worker.concurrency` of both workers. */
  concurrency?: number;
  /** Progress lines (for a bench or a failing test). */
  log?: (line: string) => void;
}

export interface RollingUpdateReport {
  /** Requests sent through the proxy, by kind. */
  requests: { webhooks: number; slack: number; pages: number };
  /** Answers of the proxy by status. */
  statuses: Record<string, number>;
  fiveXx: number;
  /** Requests the proxy sent on to the other upstream after a refused connection. */
  retried: number;
  proxyErrors: string[];
  /** Requests whose answer was not the expected one (kind, status, what). */
  unexpectedAnswers: string[];
  deliveriesSent: number;
  /** Delivery ids answered 2xx but not recorded in webhook_deliveries. */
  deliveriesLost: string[];
  /** Deploys asked for (pull requests opened, sandboxes created from Slack). */
  deploysExpected: number;
  /** Final state of each deployment, by sandbox. */
  deployments: { slug: string; state: string }[];
  /** Sandboxes deployed more than once, or appservers whose deploy phase ran more than once on the host. */
  duplicates: string[];
  /** Jobs left failed in the queue, and error lines the processes logged. */
  jobErrors: string[];
  /** Exit codes of the processes stopped with SIGTERM (0 each). */
  exitCodes: (number | string)[];
  /** Output of `sbx migrate` of the next release. */
  migrateOutput: string;
  /** Whether the next release's migration is in the database afterwards. */
  migrationApplied: boolean;
  unexpectedCalls: string[];
  /** From the first SIGTERM until the last new process is ready. */
  rolloutMs: number;
  /** From the start of the traffic until every deploy reached a terminal state. */
  totalMs: number;
}

const repository = 'acme/app';
const terminal = ['succeeded', 'failed', 'cancelled'];
const signingSecret = 'rolling-update-signing-secret';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runRollingUpdate(options: RollingUpdateOptions): Promise<RollingUpdateReport> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'sbx-rolling-'));
  const started: SbxProcess[] = [];
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  let fake: FakeGitHub | undefined;
  let slack: FakeSlack | undefined;
  let proxy: RoundRobinProxy | undefined;
  let next: NextRelease | undefined;
  let repo: SampleRepo | undefined;
  let env: Record<string, string> = {};
  try {
    fake = await startFakeGitHub();
    fake.addRepo(repository);
    fake.setPermission(repository, 'maintainer', 'write');
    slack = await startFakeSlack({ allow: ['auth.test', 'chat.postMessage', 'chat.update'] });
    repo = createSampleRepo();
    next = makeNextRelease(
      'rollout_probe',
      'ALTER TABLE "audit_events" ADD COLUMN "rollout_probe" text;--> statement-breakpoint\nCREATE TABLE "rollout_probes" ("id" serial PRIMARY KEY NOT NULL, "note" text NOT NULL);\n',
    );
    // Each deploy phase leaves one line: a deploy run twice on the host shows as two.
    // Deploys run as sandbox users: they reach the file through the directory, and append to it.
    chmodSync(dir, 0o755);
    const marks = join(dir, 'deploys.log');
    writeFileSync(marks, '');
    chmodSync(marks, 0o666);
    const low = 20_000 + (process.pid % 20) * 100;
    writeFileSync(
      join(dir, 'sandbox.yml'),
      `
repositories:
  - name: ${repository}
    url: ${repo.url}
    script:
      deploy: |
        git rev-parse HEAD > built-commit.txt
        echo "$SBX_SLUG $SBX_APPSERVER" >> ${marks}
        sleep 1
      start: exec node server.mjs
      health_path: /healthz
      health_timeout: 120s
compute:
  local:
    work_root: ${mkdtempSync(join(tmpdir(), 'sbx-work-'))}
    port_range: [${low}, ${low + 99}]
github:
  throttle: false
slack:
  permissions:
    create: ['*']
    deploy: ['*']
server:
  drain: 1s
worker:
  concurrency: ${options.concurrency ?? 10}
  shutdown_grace: 60s
retention:
  min_age: 1h
`,
    );
    const webPorts = [await freePort(), await freePort()];
    proxy = await startRoundRobinProxy({ ports: webPorts });
    env = {
      SBX_CONFIG: join(dir, 'sandbox.yml'),
      DATABASE_URL: options.databaseUrl,
      SBX_DATA_DIR: join(dir, 'data'),
      PUBLIC_URL: proxy.url,
      LOG_LEVEL: 'info',
      SBX_ENV_FILE: join(dir, '.env'),
      SLACK_BOT_TOKEN: 'xoxb-rolling-update',
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      ...gitHubEnv(fake.host, testPrivateKey()),
    };
    const current = join(import.meta.dirname, '..', '..');
    const start = (role: 'web' | 'worker', release: string, port?: number) => {
      const child = spawnSbx([role], { ...env, ...(port ? { PORT: String(port) } : {}) }, dir, release);
      started.push(child);
      return child;
    };
    /** Waits for `condition`, failing at once (with the output) if the process exits meanwhile. */
    const readyWhen = (child: SbxProcess, condition: () => boolean, what: string) =>
      waitFor(
        () => {
          if (child.child.exitCode !== null || child.child.signalCode !== null)
            throw new Error(`${what}: the process exited\n${child.output().slice(-3_000)}`);
          return condition();
        },
        { timeoutMs: 180_000, intervalMs: 100, what },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${child.output().slice(-3_000)}`);
      });
    const webReady = (i: number) => readyWhen(webs[i]!, () => proxy!.up()[i] === true, `web ${i + 1} up`);
    const workerReady = (child: SbxProcess) =>
      readyWhen(child, () => child.output().includes('sandbox bot is ready'), 'a worker to be ready');

    // The web processes first: one of them migrates the empty database, the other waits for it.
    const webs = [start('web', current, webPorts[0])];
    await webReady(0);
    webs.push(start('web', current, webPorts[1]));
    const workers = [start('worker', current), start('worker', current)];
    await Promise.all([webReady(1), ...workers.map(workerReady)]);
    log('2 web + 2 worker processes ready');

    // The stream: webhooks that only get recorded, Slack reads, pages; a few requests in flight at once.
    const report = {
      requests: { webhooks: 0, slack: 0, pages: 0 },
      unexpectedAnswers: [] as string[],
      delivered: [] as string[],
    };
    const expectStatus = (kind: string, what: string, status: number, allowed: number[]) => {
      if (!allowed.includes(status)) report.unexpectedAnswers.push(`${kind} ${what}: ${status}`);
    };
    const sendWebhook = async (event: string, payload: Record<string, unknown>) => {
      report.requests.webhooks += 1;
      const answer = await postWebhook(proxy!.url, event, payload, { secret: webhookSecret });
      expectStatus('webhook', `${event}.${String(payload.action)}`, answer.status, [200]);
      if (answer.status === 200) report.delivered.push(answer.deliveryId);
    };
    const sendSlack = async (text: string) => {
      report.requests.slack += 1;
      const answer = await postToSlack(
        proxy!.url,
        signingSecret,
        slashCommandForm({ command: '/sandbox', text, responseUrl: slack!.responseUrl(), channel: 'C0DEPLOYS' }),
      );
      expectStatus('slack', text, answer.status, [200]);
      return answer;
    };
    const getPage = async (path: string) => {
      report.requests.pages += 1;
      const response = await fetch(`${proxy!.url}${path}`, { redirect: 'manual' });
      await response.arrayBuffer();
      expectStatus('page', path, response.status, [200]);
    };
    let noise = 0;
    const oneRequest = async (i: number) => {
      if (i % 3 === 0) {
        noise += 1;
        // Recorded, answered, and nothing to do: an assignment (each body differs, or it would be a duplicate).
        await sendWebhook('pull_request', {
          ...pullRequestEvent('assigned', repository, { number: 9_000 + noise, user: { login: 'maintainer' } }),
          assignee: { login: `reviewer-${noise}` },
        });
      } else if (i % 3 === 1) {
        await sendSlack(i % 2 ? 'list' : 'status a1');
      } else {
        await getPage(i % 2 ? '/' : '/healthz');
      }
    };
    let stopTraffic = false;
    const trafficStarted = Date.now();
    const traffic = (async () => {
      const inFlight = new Set<Promise<void>>();
      for (let i = 0; !stopTraffic && i < 20_000; i += 1) {
        const request: Promise<void> = oneRequest(i)
          .catch((error: unknown) => {
            report.unexpectedAnswers.push(`request ${i}: ${error instanceof Error ? error.message : String(error)}`);
          })
          .finally(() => inFlight.delete(request));
        inFlight.add(request);
        if (inFlight.size >= 4) await Promise.race(inFlight);
        await sleep(25);
      }
      await Promise.all(inFlight);
    })();

    // The work: pull requests opened and sandboxes created from Slack at each step of the procedure.
    let pulls = 0;
    const openPull = async () => {
      pulls += 1;
      const number = pulls;
      fake!.setPull(repository, { number, headSha: repo!.commit({ [`pr${number}.txt`]: `${number}\n` }) });
      await sendWebhook('pull_request', pullRequestEvent('opened', repository, fake!.pullJson(repository, number)));
    };
    let creates = 0;
    const createSandbox = async () => {
      creates += 1;
      const answer = await sendSlack(`create a${creates} ${repository}`);
      if (!String(answer.json?.text ?? answer.text).includes('Created'))
        report.unexpectedAnswers.push(`slack create a${creates}: ${answer.text.slice(0, 300)}`);
    };

    await Promise.all([openPull(), createSandbox()]);
    await sleep(1_000);

    const migrate = await runSbx(['migrate'], env, { release: next.dir, cwd: dir, timeoutMs: 180_000 });
    const migrateOutput = `${migrate.stdout}${migrate.stderr}`.trim();
    log(`sbx migrate (next release): ${migrateOutput}`);
    await openPull();

    const rolloutStarted = Date.now();
    const exitCodes: (number | string)[] = [];
    const replace = async (old: SbxProcess, work: () => Promise<void>, startNew: () => Promise<void>) => {
      const stopped = old.stop('SIGTERM', 120_000);
      // Work that arrives while the process stops: the web drains, the worker finishes or hands back.
      await work();
      exitCodes.push(await stopped);
      await startNew();
    };
    // Workers first: new workers must read what old web processes enqueue (the easier direction of compatibility).
    for (const i of [0, 1]) {
      await replace(
        workers[i]!,
        () => (i === 0 ? openPull() : createSandbox()),
        async () => {
          workers[i] = start('worker', next!.dir);
          await workerReady(workers[i]!);
        },
      );
      log(`worker ${i + 1} replaced`);
    }
    for (const i of [0, 1]) {
      await replace(
        webs[i]!,
        () => (i === 0 ? openPull() : createSandbox()),
        async () => {
          webs[i] = start('web', next!.dir, webPorts[i]);
          await webReady(i);
        },
      );
      log(`web ${i + 1} replaced`);
    }
    const rolloutMs = Date.now() - rolloutStarted;
    await Promise.all([openPull(), createSandbox()]);

    const deploysExpected = pulls + creates;
    const deploymentStates = async () =>
      (
        await pool.query<{ slug: string; state: string }>(
          'select i.slug, d.state from deployments d join instances i on i.id = d.instance_id order by d.id',
        )
      ).rows;
    await waitFor(
      async () => {
        const rows = await deploymentStates();
        return rows.length >= deploysExpected && rows.every((row) => terminal.includes(row.state));
      },
      { timeoutMs: 300_000, intervalMs: 250, what: `${deploysExpected} deploys to reach a terminal state` },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await deploymentStates())}`);
    });
    const totalMs = Date.now() - trafficStarted;
    stopTraffic = true;
    await traffic;
    log(`${deploysExpected} deploys done`);

    const recorded = new Set(
      (
        await pool.query<{ delivery_id: string }>(
          'select delivery_id from webhook_deliveries where delivery_id = any($1)',
          [report.delivered],
        )
      ).rows.map((row) => row.delivery_id),
    );
    const deployments = await deploymentStates();
    const duplicates: string[] = [];
    const perSandbox = new Map<string, number>();
    for (const row of deployments) perSandbox.set(row.slug, (perSandbox.get(row.slug) ?? 0) + 1);
    for (const [slug, count] of perSandbox) if (count > 1) duplicates.push(`${slug}: ${count} deployments`);
    const appservers = await pool.query<{ slug: string; count: string }>(
      'select i.slug, count(*)::text as count from appservers a join instances i on i.id = a.instance_id group by i.slug',
    );
    for (const row of appservers.rows)
      if (Number(row.count) > 1) duplicates.push(`${row.slug}: ${row.count} appservers`);
    const phases = new Map<string, number>();
    for (const line of readFileSync(marks, 'utf8').split('\n').filter(Boolean))
      phases.set(line, (phases.get(line) ?? 0) + 1);
    for (const [appserver, count] of phases) if (count > 1) duplicates.push(`${appserver}: deploy phase ran ${count}x`);

    const failedJobs = await pool.query<{ task_identifier: string; last_error: string }>(
      'select task_identifier, last_error from graphile_worker.jobs where last_error is not null',
    );
    const jobErrors = [
      ...failedJobs.rows.map((row) => `job ${row.task_identifier}: ${row.last_error.split('\n')[0]}`),
      ...started.flatMap((child) =>
        child
          .output()
          .split('\n')
          .filter((line) => /"level":(50|60)\b/.test(line) || line.includes('handing them back'))
          .map((line) => line.slice(0, 400)),
      ),
    ];
    const migrationApplied =
      (
        await pool.query(
          `select 1 from information_schema.columns where table_name = 'audit_events' and column_name = 'rollout_probe'`,
        )
      ).rowCount === 1;

    for (const child of [...webs, ...workers]) exitCodes.push(await child.stop('SIGTERM', 120_000));
    const statuses = Object.fromEntries([...proxy.statuses].map(([status, count]) => [String(status), count]));
    return {
      requests: report.requests,
      statuses,
      fiveXx: [...proxy.statuses].filter(([status]) => status >= 500).reduce((sum, [, count]) => sum + count, 0),
      retried: proxy.retried,
      proxyErrors: proxy.errors,
      unexpectedAnswers: report.unexpectedAnswers,
      deliveriesSent: report.delivered.length,
      deliveriesLost: report.delivered.filter((id) => !recorded.has(id)),
      deploysExpected,
      deployments,
      duplicates,
      jobErrors,
      exitCodes,
      migrateOutput,
      migrationApplied,
      unexpectedCalls: [
        ...fake.unexpected.map((call) => `GitHub ${call}`),
        ...slack.unexpected.map((m) => `Slack ${m}`),
      ],
      rolloutMs,
      totalMs,
    };
  } finally {
    for (const child of started) await child.stop('SIGTERM', 120_000);
    // Appservers run detached and outlive the bot by design: cancel them (as their own users).
    if (env.SBX_CONFIG) {
      const config = loadConfig({ env, cwd: dir });
      const logger = createLogger({ level: 'silent', format: 'json' });
      const database = await openDatabase({ url: options.databaseUrl, dataDir: config.data_dir, logger });
      const provisioning = await createProvisioning({ config, db: database.db, logger, env });
      await killAppservers(provisioning);
      await provisioning.close();
      await database.close();
    }
    await pool.end();
    await proxy?.close();
    await slack?.close();
    await fake?.stop();
    next?.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}
