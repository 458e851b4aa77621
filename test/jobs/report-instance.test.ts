import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvisioning, type Provisioning } from '../../src/app/provisioning';
import { loadConfig } from '../../src/config/load-config';
import type { Reporter } from '../../src/core/ports/reporter';
import { reportChange } from '../../src/core/provisioning/report-change';
import type { Database } from '../../src/infra/db/database';
import { createLogger } from '../../src/infra/logger';
import { startWorker } from '../../src/jobs/start-worker';
import { retryDelayMs } from '../../src/jobs/tasks/report-instance';
import { createTestDatabase } from '../support/database';
import { waitFor } from '../support/wait-for';

let database: Database;
let provisioning: Provisioning;
const config = loadConfig({ env: {}, cwd: '/nonexistent' });
const logger = createLogger({ level: 'silent', format: 'json' });

beforeAll(async () => {
  database = await createTestDatabase();
  provisioning = await createProvisioning({ config, db: database.db, logger, env: {} });
});
afterAll(async () => {
  await provisioning.close();
  await database.close();
});

describe('report_instance', () => {
  it('retries a failed report within seconds, and every reporter runs even when another fails', async () => {
    const calls: string[] = [];
    let flakyFailures = 2;
    const flaky: Reporter = {
      name: 'flaky',
      async report(instanceId) {
        calls.push(`flaky:${instanceId}`);
        if (flakyFailures-- > 0) throw new Error('socket hang up');
      },
    };
    const steady: Reporter = { name: 'steady', report: async (instanceId) => void calls.push(`steady:${instanceId}`) };
    const worker = await startWorker({
      deps: { config, db: database.db, pool: database.pool, logger, provisioning, reporters: [flaky, steady] },
      concurrency: 2,
      pollInterval: 100,
    });
    try {
      const started = Date.now();
      await reportChange(provisioning.store, 7);
      await waitFor(() => calls.filter((c) => c === 'flaky:7').length === 3, {
        timeoutMs: 10_000,
        what: 'the third try of the flaky reporter',
      });
      expect(Date.now() - started).toBeLessThan(6_000);
      expect(calls.filter((c) => c === 'steady:7')).toHaveLength(3);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(calls.filter((c) => c === 'flaky:7')).toHaveLength(3);
    } finally {
      await worker.stop(1_000);
    }
  });

  it('backs off quickly at first and never beyond 30 s between quick retries', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(retryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });
});
