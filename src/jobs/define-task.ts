import type { JobHelpers, Task } from 'graphile-worker';
import type { z } from 'zod';
import type { JobDeps } from './deps';

/**
 * A task whose payload is parsed with zod on its first line. A payload that
 * does not parse is a bug in whoever enqueued it: the job fails with the
 * zod message (and Graphile keeps it for inspection) instead of acting on
 * garbage.
 */
export function defineTask<Schema extends z.ZodType>(
  schema: Schema,
  run: (deps: JobDeps, payload: z.output<Schema>, helpers: JobHelpers) => Promise<void>,
): (deps: JobDeps) => Task {
  return (deps) => async (raw, helpers) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid payload for ${helpers.job.task_identifier}: ${parsed.error.message}`);
    await run(deps, parsed.data, helpers);
  };
}
