import type pg from 'pg';
import { Counter, Gauge, Registry } from 'prom-client';
import { appserverStates } from '../core/appserver-state';
import { cleanupEvents } from '../core/ports/store';
import { processMetrics } from '../infra/metrics';
import type { Router } from '../infra/http/router';
import { deployBuckets, readSnapshot, type Snapshot } from '../infra/db/metrics-snapshot';
import { readTableSizes } from '../infra/db/prune-tables';

export { deployBuckets } from '../infra/db/metrics-snapshot';

const outcomes = ['succeeded', 'failed', 'cancelled'] as const;

/** A histogram whose buckets come from SQL (prom-client's Histogram can only observe one value at a time). */
class DatabaseHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private series: Snapshot['durations'] = [];
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(series: Snapshot['durations']): void {
    this.series = series;
  }
  reset(): void {
    this.series = [];
  }
  async get() {
    const values = this.series.flatMap(({ outcome, buckets, count, sum }) => [
      ...deployBuckets.map((le, i) => ({
        metricName: `${this.name}_bucket`,
        labels: { le, outcome },
        value: buckets[i] ?? 0,
      })),
      { metricName: `${this.name}_bucket`, labels: { le: '+Inf', outcome }, value: count },
      { metricName: `${this.name}_sum`, labels: { outcome }, value: sum },
      { metricName: `${this.name}_count`, labels: { outcome }, value: count },
    ]);
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

/** `/metrics`: the process's counters plus the database-backed numbers, in Prometheus text format. */
export function registerMetricsRoute(router: Router, pool: pg.Pool, options: { liveLogViewers: () => number }): void {
  const registry = new Registry();
  const deployments = new Counter({
    name: 'sbx_deployments_total',
    help: 'Finished deployments, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const appservers = new Gauge({
    name: 'sbx_appservers',
    help: 'AppServers, by state.',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: 'sbx_job_queue_depth',
    help: 'Jobs ready to run and not yet taken by a worker.',
    registers: [registry],
  });
  const jobs = new Gauge({
    name: 'sbx_jobs',
    help: 'Jobs by status: ready, scheduled (later or retrying), running, failed (out of attempts).',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const durations = new DatabaseHistogram(
    'sbx_deploy_duration_seconds',
    'Time from a deployment request to its outcome (all attempts), by outcome.',
  );
  registry.registerMetric(durations as never);
  new Gauge({
    name: 'sbx_live_log_viewers',
    help: 'Live deploy log streams open on this web process.',
    registers: [registry],
    collect() {
      this.set(options.liveLogViewers());
    },
  });

  const tableRows = new Gauge({
    name: 'sbx_table_rows',
    help: 'Rows of the bot’s own growing tables (pruned daily past retention.*), by table.',
    labelNames: ['table'] as const,
    registers: [registry],
  });
  const tableOldest = new Gauge({
    name: 'sbx_table_oldest_row_age_seconds',
    help: 'Age of the oldest row of each pruned table: above its retention age, pruning is not keeping up.',
    labelNames: ['table'] as const,
    registers: [registry],
  });

  const cleanupEventsTotal = new Counter({
    name: 'sbx_cleanup_events_total',
    help: 'Sandbox hygiene events since the database was created, by event: expired (archived for inactivity), warned (expiry warning sent), extended, slept, woken.',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  const expiring = new Gauge({
    name: 'sbx_sandboxes_expiring',
    help: 'Live sandboxes by expiry state: scheduled (a TTL applies), warned (warning sent for the current expiry), pinned (exempt).',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const nextExpiry = new Gauge({
    name: 'sbx_next_expiry_seconds',
    help: 'Seconds until the soonest expiry of a live, unpinned sandbox (negative: overdue, the expiry job is behind); absent when none expires.',
    registers: [registry],
  });

  router.get('/metrics', async (_req, res) => {
    const [snapshot, tables] = await Promise.all([readSnapshot(pool), readTableSizes(pool)]);
    for (const { table, rows, oldestSeconds } of tables) {
      tableRows.set({ table }, rows);
      tableOldest.set({ table }, oldestSeconds);
    }
    deployments.reset();
    for (const outcome of outcomes) deployments.inc({ outcome }, snapshot.deployments.get(outcome) ?? 0);
    for (const state of appserverStates) appservers.set({ state }, snapshot.appservers.get(state) ?? 0);
    queueDepth.set(snapshot.jobs.ready);
    for (const [status, value] of Object.entries(snapshot.jobs)) jobs.set({ status }, value);
    durations.set(snapshot.durations);
    cleanupEventsTotal.reset();
    for (const event of cleanupEvents) cleanupEventsTotal.inc({ event }, snapshot.cleanup.get(event) ?? 0);
    expiring.set({ state: 'scheduled' }, snapshot.expiry.scheduled);
    expiring.set({ state: 'warned' }, snapshot.expiry.warned);
    expiring.set({ state: 'pinned' }, snapshot.expiry.pinned);
    nextExpiry.reset();
    if (snapshot.expiry.nextSeconds !== null) nextExpiry.set(snapshot.expiry.nextSeconds);
    const text = `${await processMetrics.metrics()}\n${await registry.metrics()}`;
    res.writeHead(200, {
      'content-type': registry.contentType,
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    res.end(text);
  });
}
