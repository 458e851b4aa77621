/**
 * Issue 17: the rolling update of docs/operations.md, measured. Two `sbx web` and two `sbx worker` processes on
 * one (embedded) PostgreSQL behind a round-robin proxy that health-checks /readyz, a stream of signed webhooks,
 * Slack commands and page requests, `sbx migrate` of the next release, then each process replaced in turn
 * (SIGTERM, start the next release). The procedure is test/support/rolling-update.ts, shared with
 * test/operations/rolling-update.test.ts. `BENCH_CONCURRENCY` sets worker.concurrency (default 4).
 */
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDatabaseExists, withDatabase } from '../../src/infra/db/database';
import { startEmbeddedPostgres } from '../../src/infra/db/embedded-postgres';
import { runRollingUpdate } from '../../test/support/rolling-update';
import type { BenchResult } from '../run';

export default async function rollingUpdate(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-bench-rolling-'));
  chmodSync(dir, 0o755);
  const postgres = await startEmbeddedPostgres({
    dataDir: join(dir, 'pg'),
    settings: { fsync: 'off', synchronous_commit: 'off', max_connections: '200' },
  });
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
  try {
    await ensureDatabaseExists(postgres.url, 'bench');
    const report = await runRollingUpdate({
      databaseUrl: withDatabase(postgres.url, 'bench'),
      concurrency,
      log: (line) => process.stdout.write(`  … ${line}\n`),
    });
    const requests = report.requests.webhooks + report.requests.slack + report.requests.pages;
    return {
      metrics: {
        'worker.concurrency': concurrency,
        'requests sent through the proxy': requests,
        'webhook deliveries sent': report.requests.webhooks,
        'Slack commands sent': report.requests.slack,
        'page requests sent': report.requests.pages,
        '5xx at the proxy (goal 0)': report.fiveXx,
        'unexpected answers (goal 0)': report.unexpectedAnswers.length,
        'requests retried on the other web after a refused connection': report.retried,
        'deliveries lost (goal 0)': report.deliveriesLost.length,
        'deploys asked for': report.deploysExpected,
        'deploys not succeeded (goal 0)': report.deployments.filter((d) => d.state !== 'succeeded').length,
        'deploys run twice (goal 0)': report.duplicates.length,
        'job errors (goal 0)': report.jobErrors.length,
        'processes not exiting 0 on SIGTERM (goal 0)': report.exitCodes.filter((code) => code !== 0).length,
        'rollout: first SIGTERM → 4th new process ready (s)': report.rolloutMs / 1000,
        'total: traffic start → every deploy terminal (s)': report.totalMs / 1000,
      },
      notes: [
        `answers by status: ${JSON.stringify(report.statuses)}`,
        `migrate: ${report.migrateOutput}`,
        ...report.unexpectedAnswers.slice(0, 5),
        ...report.duplicates.slice(0, 5),
        ...report.jobErrors.slice(0, 5),
      ].join('\n  '),
    };
  } finally {
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
