import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/infra/db/database';
import { createTestDatabase } from '../support/database';
import { runRollingUpdate, type RollingUpdateReport } from '../support/rolling-update';

/** docs/operations.md "Rolling update", run for real: 2 web + 2 worker processes replaced one by one under traffic. */
describe('a rolling update of 2 web and 2 worker processes under a stream of requests', () => {
  let database: Database;
  let report: RollingUpdateReport;

  beforeAll(async () => {
    database = await createTestDatabase();
    report = await runRollingUpdate({ databaseUrl: database.url, concurrency: 4 });
  }, 900_000);

  afterAll(async () => {
    await database?.close();
  });

  it('answers every request through the proxy without a 5xx', () => {
    expect(report.proxyErrors).toEqual([]);
    expect(report.unexpectedAnswers).toEqual([]);
    expect(report.fiveXx).toBe(0);
    expect(report.requests.webhooks + report.requests.slack + report.requests.pages).toBeGreaterThan(100);
  });

  it('loses no delivery: every delivery id answered 2xx is recorded', () => {
    expect(report.deliveriesSent).toBe(report.requests.webhooks);
    expect(report.deliveriesLost).toEqual([]);
  });

  it('runs every deploy once and brings it to a terminal state', () => {
    expect(report.duplicates).toEqual([]);
    expect(report.deployments).toHaveLength(report.deploysExpected);
    expect(report.deployments.map((d) => d.state)).toEqual(report.deployments.map(() => 'succeeded'));
    expect(report.jobErrors).toEqual([]);
    expect(report.unexpectedCalls).toEqual([]);
  });

  it('applies the next release’s additive migration while the old processes serve, and every process exits 0 on SIGTERM', () => {
    expect(report.migrateOutput).toMatch(/\(1 new\)/);
    expect(report.migrationApplied).toBe(true);
    expect(report.exitCodes).toEqual(report.exitCodes.map(() => 0));
    expect(report.exitCodes.length).toBe(8);
  });
});
