import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { Logger as GraphileLogger, run, type LogLevel, type Runner, type TaskList, type WorkerEvents } from 'graphile-worker';
import type pg from 'pg';
import type { Logger } from '../infra/logger';
import type { JobDeps } from './deps';
import { createTaskList, crontab } from './index';

export interface WorkerHandle {
  /** Lock owner ids of this process (Graphile's worker pool ids: what `locked_by` holds). */
  workerIds(): string[];
  isRunning(): boolean;
  /**
   * Stops taking jobs; running tasks get their abort signal shortly after and
   * up to `graceMs` to return; past that their jobs are unlocked, so another
   * worker (or the next start) runs them again.
   */
  stop(graceMs: number): Promise<void>;
  /** Unlocks jobs held by workers that stopped heartbeating (crashed processes). */
  sweepDeadWorkers(): Promise<number>;
}

export interface StartWorkerOptions {
  deps: JobDeps;
  concurrency: number;
  /** How often live workers are recorded; a worker is dead after 4 missed beats. */
  heartbeatMs?: number;
  pollInterval?: number;
  /** Replaces the registry's task list (tests hand in tasks of their own). */
  tasks?: TaskList;
  /** After a stop begins, running tasks get their abort signal this much later. */
  abortAfterMs?: number;
}

const noop = (): void => undefined;

/**
 * Starts the Graphile Worker runner in this process. The lock owner ids of
 * live processes are recorded in `worker_heartbeats`; jobs locked by ids that
 * stopped beating (SIGKILL, power loss) are unlocked at start and on every
 * beat instead of staying locked for Graphile's hard-coded 4 hours. Safe with
 * several worker processes on one database.
 */
export async function startWorker(options: StartWorkerOptions): Promise<WorkerHandle> {
  const { deps, concurrency, heartbeatMs = 10_000, pollInterval = 2_000, abortAfterMs = 2_000, tasks } = options;
  const { pool, logger } = deps;
  const ids = new Set<string>();
  const processName = `${hostname()}:${process.pid}`;
  const events: WorkerEvents = new EventEmitter();
  events.on('pool:create', ({ workerPool }) => {
    ids.add(workerPool.id);
    void beat(pool, [workerPool.id], processName).catch((error: unknown) => logger.warn({ err: error }, 'worker heartbeat failed'));
  });

  const deadAfterMs = heartbeatMs * 4;
  const sweep = () => sweepDeadWorkers(pool, deadAfterMs, logger);
  await sweep();

  const runner: Runner = await run({
    pgPool: pool,
    taskList: tasks ?? createTaskList(deps),
    crontab,
    concurrency,
    pollInterval,
    noHandleSignals: true,
    events,
    logger: graphileLogger(logger),
    gracefulShutdownAbortTimeout: abortAfterMs,
  });
  let running = true;
  runner.promise.then(
    () => (running = false),
    (error: unknown) => {
      running = false;
      logger.error({ err: error }, 'worker stopped with an error');
    },
  );

  const timer = setInterval(() => {
    void beat(pool, [...ids], processName)
      .then(sweep)
      .catch((error: unknown) => logger.warn({ err: error }, 'worker heartbeat failed'));
  }, heartbeatMs);
  timer.unref();

  return {
    workerIds: () => [...ids],
    isRunning: () => running,
    sweepDeadWorkers: sweep,
    async stop(graceMs) {
      clearInterval(timer);
      if (running) {
        const finished = runner.stop('shutting down').then(() => 'done' as const, () => 'done' as const);
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
        if ((await Promise.race([finished, timeout])) === 'timeout') {
          logger.warn({ graceMs }, 'running jobs did not finish within the grace period; handing them back to the queue');
          void runner.kill('grace period over').catch(noop);
          await pool.query('select graphile_worker.force_unlock_workers($1::text[])', [[...ids]]).catch(noop);
        } else {
          // Graphile writes the last completions without awaiting them: let them land before the pool closes.
          await waitForLocksReleased(pool, [...ids], 3_000);
        }
        running = false;
      }
      await forgetHeartbeats(pool, [...ids]);
    },
  };
}

async function beat(pool: pg.Pool, workerIds: string[], processName: string): Promise<void> {
  if (workerIds.length === 0) return;
  await pool.query(
    `insert into worker_heartbeats (worker_id, process, last_seen_at)
     select unnest($1::text[]), $2, now()
     on conflict (worker_id) do update set last_seen_at = now()`,
    [workerIds, processName],
  );
}

async function waitForLocksReleased(pool: pg.Pool, workerIds: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const held = await pool.query('select 1 from graphile_worker._private_jobs where locked_by = any($1::text[]) limit 1', [workerIds]).catch(() => null);
    if (!held || held.rowCount === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Removes this process's heartbeats so a clean stop is not mistaken for a live worker. */
async function forgetHeartbeats(pool: pg.Pool, workerIds: string[]): Promise<void> {
  if (workerIds.length === 0) return;
  await pool.query('delete from worker_heartbeats where worker_id = any($1::text[])', [workerIds]).catch(noop);
}

/**
 * Jobs locked by an owner without a recent heartbeat belong to a dead
 * process. The lock must also be older than the dead-after period, so a
 * worker that has just started (and not yet beaten) is never mistaken for
 * dead. Owners that were processes on this very machine and are gone (their
 * pid no longer runs) are dead at once: a restart after a crash resumes
 * immediately instead of waiting out the heartbeat period.
 */
export async function sweepDeadWorkers(pool: pg.Pool, deadAfterMs: number, logger?: Logger): Promise<number> {
  const local = await pool.query<{ worker_id: string; process: string }>('select worker_id, process from worker_heartbeats where process like $1', [`${hostname()}:%`]);
  const vanished = local.rows.filter((row) => !isAlive(Number(row.process.slice(row.process.lastIndexOf(':') + 1)))).map((row) => row.worker_id);
  const dead = await pool.query<{ locked_by: string }>(
    `select distinct j.locked_by from graphile_worker._private_jobs j
      where j.locked_by is not null
        and (j.locked_by = any($2::text[])
             or (j.locked_at < now() - make_interval(secs => $1::float / 1000)
                 and not exists (select 1 from worker_heartbeats h
                                  where h.worker_id = j.locked_by
                                    and h.last_seen_at > now() - make_interval(secs => $1::float / 1000))))`,
    [deadAfterMs, vanished],
  );
  if (vanished.length) await pool.query('delete from worker_heartbeats where worker_id = any($1::text[])', [vanished]);
  const ids = dead.rows.map((row) => row.locked_by);
  if (ids.length === 0) return 0;
  await pool.query('select graphile_worker.force_unlock_workers($1::text[])', [ids]);
  logger?.warn({ workerIds: ids }, 'unlocked jobs of workers that died');
  return ids.length;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function graphileLogger(logger: Logger): GraphileLogger {
  const levels: Record<LogLevel, 'error' | 'warn' | 'info' | 'debug'> = { error: 'error', warning: 'warn', info: 'info', debug: 'debug' };
  return new GraphileLogger((scope) => (level, message, meta) => {
    logger[levels[level]]({ scope: { label: scope.label, task: scope.taskIdentifier, jobId: scope.jobId }, ...meta }, message);
  });
}
