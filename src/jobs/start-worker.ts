import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import {
  Logger as GraphileLogger,
  run,
  type LogLevel,
  type Runner,
  type TaskList,
  type WorkerEvents,
} from 'graphile-worker';
import type pg from 'pg';
import type { Logger } from '../infra/logger';
import {
  deadJobOwners,
  forgetHeartbeats,
  heartbeatsOfHost,
  holdsLocks,
  recordHeartbeats,
  unlockWorkers,
} from '../infra/db/worker-heartbeats';
import { wakeQueueAfter } from '../infra/db/queue-wake';
import type { JobDeps } from './deps';
import { yieldToRequestsMs } from './define-task';
import type { MaintenancePort } from '../core/maintenance';
import { createTaskList, crontab, maintenanceTaskNames } from './index';

export interface WorkerHandle {
  /** Lock owner ids of this process (Graphile's worker pool ids: what `locked_by` holds). */
  workerIds(): string[];
  isRunning(): boolean;
  /** True while maintenance mode holds every job but the answers to PR commands. */
  isPaused(): boolean;
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
  /** Maintenance mode, checked every `maintenanceCheckMs` (default 500 ms). */
  maintenance?: MaintenancePort;
  maintenanceCheckMs?: number;
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
  const {
    deps,
    concurrency,
    heartbeatMs = 10_000,
    pollInterval = 2_000,
    abortAfterMs = 2_000,
    tasks,
    maintenance,
    maintenanceCheckMs = 500,
  } = options;
  const { pool, logger } = deps;
  // Aborted when a stop begins: the queries that hand jobs back never wait for requests.
  const stopping = new AbortController();
  const graphilePool = deps.requests ? yieldingPool(pool, deps.requests, stopping.signal) : pool;
  const ids = new Set<string>();
  const processName = `${hostname()}:${process.pid}`;
  const events: WorkerEvents = new EventEmitter();
  // A job waiting behind a finished one in the same queue runs at once instead of at the next poll.
  const wakes = new Set<Promise<unknown>>();
  // Jobs whose task has not returned yet: Graphile saves a task's outcome without awaiting it, so the pool must not
  // close while one is still running (its late outcome would meet a closed pool).
  const inFlight = new Set<string>();
  let allReturned: (() => void) | null = null;
  events.on('job:start', ({ job }) => inFlight.add(job.id));
  events.on('job:complete', ({ job, worker }) => {
    inFlight.delete(job.id);
    if (inFlight.size === 0) allReturned?.();
    if (job.job_queue_id === null) return;
    const finished = { jobId: job.id, queueId: job.job_queue_id, workerId: worker.workerPool.id };
    // The completion it looks for waits for the requests being answered too (yieldingPool): so does the look.
    const wake = (deps.requests?.quiet(yieldToRequestsMs, stopping.signal) ?? Promise.resolve())
      .then(() => wakeQueueAfter(pool, finished))
      .catch((error: unknown) => logger.debug({ err: error }, 'could not wake the workers for a queue'))
      .finally(() => wakes.delete(wake));
    wakes.add(wake);
  });
  events.on('pool:create', ({ workerPool }) => {
    ids.add(workerPool.id);
    void beat(pool, [workerPool.id], processName).catch((error: unknown) =>
      logger.warn({ err: error }, 'worker heartbeat failed'),
    );
  });

  const deadAfterMs = heartbeatMs * 4;
  const sweep = () => sweepDeadWorkers(pool, deadAfterMs, logger);
  await sweep();

  const fullTaskList = tasks ?? createTaskList(deps);
  // In maintenance only the tasks that answer people run (a PR command is parsed, its work queued, the PR told so).
  const maintenanceTaskList = Object.fromEntries(
    Object.entries(fullTaskList).filter(([name]) => (maintenanceTaskNames as readonly string[]).includes(name)),
  );
  let running = true;
  let inMaintenance = (await maintenance?.current())?.on ?? false;
  const launch = async (paused: boolean): Promise<Runner> => {
    const started = await run({
      pgPool: graphilePool,
      taskList: paused ? maintenanceTaskList : fullTaskList,
      ...(paused ? {} : { crontab }),
      concurrency,
      pollInterval,
      noHandleSignals: true,
      events,
      logger: graphileLogger(logger),
      gracefulShutdownAbortTimeout: abortAfterMs,
    });
    started.promise.catch((error: unknown) => {
      running = false;
      logger.error({ err: error }, 'worker stopped with an error');
    });
    return started;
  };
  if (inMaintenance)
    logger.warn('maintenance mode is on: this worker takes no jobs but the answers to PR commands until it ends');
  let runner: Runner = await launch(inMaintenance);
  let stopRequested = false;

  // A switch stops the runner gracefully (running jobs finish) and starts one with the other task list.
  let switching: Promise<void> = Promise.resolve();
  const watchMaintenance = async (): Promise<void> => {
    if (!maintenance || stopRequested) return;
    const on = (await maintenance.current()).on;
    if (on === inMaintenance || stopRequested) return;
    inMaintenance = on;
    logger.warn(
      { maintenance: on },
      on ? 'maintenance mode on: taking no new jobs; running jobs finish' : 'maintenance mode off: taking jobs again',
    );
    await runner.stop(on ? 'maintenance on' : 'maintenance off').catch(noop);
    if (stopRequested) return;
    try {
      runner = await launch(on);
    } catch (error) {
      // Not switched after all: the next check stops the (already stopped) runner again and retries.
      inMaintenance = !on;
      throw error;
    }
  };
  const maintenanceTimer = maintenance
    ? setInterval(() => {
        switching = switching
          .then(watchMaintenance)
          .catch((error: unknown) => logger.warn({ err: error }, 'could not read maintenance mode'));
      }, maintenanceCheckMs)
    : null;
  maintenanceTimer?.unref();

  const timer = setInterval(() => {
    void beat(pool, [...ids], processName)
      .then(sweep)
      .catch((error: unknown) => logger.warn({ err: error }, 'worker heartbeat failed'));
  }, heartbeatMs);
  timer.unref();

  const tasksReturn = (timeoutMs: number): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const timeout = setTimeout(() => resolve(false), timeoutMs);
      timeout.unref();
      allReturned = () => {
        clearTimeout(timeout);
        resolve(true);
      };
      if (inFlight.size === 0) allReturned();
    });

  return {
    workerIds: () => [...ids],
    isRunning: () => running,
    isPaused: () => inMaintenance,
    sweepDeadWorkers: sweep,
    async stop(graceMs) {
      stopping.abort();
      clearInterval(timer);
      stopRequested = true;
      if (maintenanceTimer) clearInterval(maintenanceTimer);
      // A switch in progress waits for running jobs; a stop gives them only the grace period.
      await Promise.race([switching, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      if (running) {
        const finished = runner.stop('shutting down').then(
          () => 'done' as const,
          () => 'done' as const,
        );
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
        if ((await Promise.race([finished, timeout])) === 'timeout') {
          logger.warn(
            { graceMs },
            'running jobs did not finish within the grace period; handing them back to the queue',
          );
          // Kill releases the running jobs with queries of its own: let them land (bounded) before the pool closes.
          await Promise.race([
            runner.kill('grace period over').catch(noop),
            new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
          ]);
          await unlockWorkers(pool, [...ids]).catch(noop);
          // Their tasks have had the abort signal: the outcome query each starts as it returns must begin before the
          // pool closes (a pool closing waits for queries already begun, and refuses new ones).
          if (inFlight.size > 0 && !(await tasksReturn(graceMs))) {
            logger.warn(
              { jobs: [...inFlight] },
              'tasks still running after their abort signal; their outcome will not be saved by this process',
            );
          }
        } else {
          // Graphile writes the last completions without awaiting them: let them land before the pool closes.
          await waitForLocksReleased(pool, [...ids], 3_000);
        }
        running = false;
      }
      await Promise.all(wakes);
      // Removes this process's heartbeats so a clean stop is not mistaken for a live worker.
      await forgetHeartbeats(pool, [...ids]).catch(noop);
    },
  };
}

/**
 * The pool Graphile takes its connections from. While this process answers a burst of requests (web and worker in
 * one process), Graphile's own statements wait for it too, at most `yieldToRequestsMs`: otherwise every idle job slot
 * runs its job-fetching statement the moment the burst's first commands queue their jobs (ten slots, ten statements,
 * each heavier than the acknowledgement's own), on the same cores and connections as the acknowledgements. The
 * callback form is Graphile's LISTEN connection, taken at start: never held back.
 */
function yieldingPool(pool: pg.Pool, requests: NonNullable<JobDeps['requests']>, stopping: AbortSignal): pg.Pool {
  const connect = (callback?: Parameters<pg.Pool['connect']>[0]) => {
    if (callback) return pool.connect(callback);
    return requests.quiet(yieldToRequestsMs, stopping).then(() => pool.connect());
  };
  return new Proxy(pool, {
    get(target, property) {
      if (property === 'connect') return connect;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function beat(pool: pg.Pool, workerIds: string[], processName: string): Promise<void> {
  await recordHeartbeats(pool, workerIds, processName);
}

async function waitForLocksReleased(pool: pg.Pool, workerIds: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const held = await holdsLocks(pool, workerIds).catch(() => false);
    if (!held) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
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
  const local = await heartbeatsOfHost(pool, hostname());
  const vanished = local
    .filter((row) => !isAlive(Number(row.process.slice(row.process.lastIndexOf(':') + 1))))
    .map((row) => row.workerId);
  const ids = await deadJobOwners(pool, deadAfterMs, vanished);
  if (vanished.length) await forgetHeartbeats(pool, vanished);
  if (ids.length === 0) return 0;
  await unlockWorkers(pool, ids);
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
  const levels: Record<LogLevel, 'error' | 'warn' | 'info' | 'debug'> = {
    error: 'error',
    warning: 'warn',
    info: 'info',
    debug: 'debug',
  };
  return new GraphileLogger((scope) => (level, message, meta) => {
    logger[levels[level]](
      { scope: { label: scope.label, task: scope.taskIdentifier, jobId: scope.jobId }, ...meta },
      message,
    );
  });
}
