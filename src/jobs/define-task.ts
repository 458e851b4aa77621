import type { JobHelpers, Task } from 'graphile-worker';
import type { z } from 'zod';
import { recordJobOutcome, type JobOutcome } from '../infra/db/audit-log';
import { auditedFlag } from '../infra/db/enqueue';
import type { JobDeps } from './deps';

/**
 * How long a job about to start, and each of Graphile's connections (looking for jobs, completing them), waits for
 * the requests this process is answering (a burst of slash commands or webhook deliveries): the acknowledgements
 * people wait on first, the jobs they queued right after. Bounded, so a steady stream of requests delays a job by at
 * most twice this (once to be taken, once to start) and never starves it.
 */
export const yieldToRequestsMs = 500;

/**
 * A task whose payload is parsed with zod on its first line. A payload that
 * does not parse is a bug in whoever enqueued it: the job fails with the
 * zod message (and Graphile keeps it for inspection) instead of acting on
 * garbage. The audit event that queued the job (`detail.jobId`, the job
 * flagged `audited`) gets the job's final outcome. A task starts once the
 * requests its process is answering are answered (at most
 * `yieldToRequestsMs` later).
 */
export function defineTask<Schema extends z.ZodType>(
  schema: Schema,
  run: (deps: JobDeps, payload: z.output<Schema>, helpers: JobHelpers) => Promise<void>,
): (deps: JobDeps) => Task {
  return (deps) => async (raw, helpers) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid payload for ${helpers.job.task_identifier}: ${parsed.error.message}`);
    await deps.requests?.quiet(yieldToRequestsMs, helpers.abortSignal);
    try {
      await run(deps, parsed.data, helpers);
    } catch (error) {
      // Only the last attempt is final: an earlier failure is retried.
      if (helpers.job.attempts >= helpers.job.max_attempts)
        await outcome(deps, helpers, 'failed', error instanceof Error ? error.message : String(error));
      throw error;
    }
    await outcome(deps, helpers, 'succeeded');
  };
}

/**
 * The work is done (or finally failed) whether or not its audit record can be completed: a failure here is logged,
 * never retried. Only a job an audit event names (flagged when it was queued) has a record to complete: for the
 * others (follow, report, retention… most jobs) this is no statement at all.
 */
async function outcome(deps: JobDeps, helpers: JobHelpers, result: JobOutcome, error?: string): Promise<void> {
  if (!helpers.job.flags?.[auditedFlag]) return;
  await recordJobOutcome(deps.pool, helpers.job, result, error).catch((cause: unknown) =>
    deps.logger.warn({ err: cause, jobId: helpers.job.id }, 'could not record the outcome of a job in the audit log'),
  );
}
