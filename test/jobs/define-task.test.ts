import type { JobHelpers } from 'graphile-worker';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask, yieldToRequestsMs } from '../../src/jobs/define-task';
import type { JobDeps } from '../../src/jobs/deps';

/** A pool that records every statement and answers none of them with rows (a fake: no database is involved). */
function recordingDeps(): { deps: JobDeps; statements: string[] } {
  const statements: string[] = [];
  const pool = {
    query: async (text: string) => {
      statements.push(text);
      return { rows: [], rowCount: 0 };
    },
  };
  const logger = { warn: () => undefined };
  return { deps: { pool, logger } as unknown as JobDeps, statements };
}

const helpersFor = (flags: Record<string, true> | null): JobHelpers =>
  ({
    job: { id: '7', created_at: new Date(), attempts: 1, max_attempts: 1, flags, task_identifier: 'demo' },
  }) as unknown as JobHelpers;

describe('defineTask and the audit log', () => {
  const task = defineTask(z.object({}), async () => undefined);

  it('completes the audit event of a job flagged audited, and writes nothing for any other job', async () => {
    const audited = recordingDeps();
    await task(audited.deps)({}, helpersFor({ audited: true }));
    expect(audited.statements).toHaveLength(1);
    expect(audited.statements[0]).toContain('update audit_events');

    const plain = recordingDeps();
    await task(plain.deps)({}, helpersFor(null));
    await task(plain.deps)({}, helpersFor({ other: true }));
    expect(plain.statements).toEqual([]);
  });

  it('records a final failure of an audited job, then fails the job', async () => {
    const failing = defineTask(z.object({}), async () => {
      throw new Error('host unreachable');
    });
    const { deps, statements } = recordingDeps();
    await expect(failing(deps)({}, helpersFor({ audited: true }))).rejects.toThrow('host unreachable');
    expect(statements).toHaveLength(1);
  });
});

describe('defineTask and the requests its process answers', () => {
  it('starts the work only once the requests in flight are answered, with the bound and the abort signal', async () => {
    const calls: { maxWaitMs: number; signal: AbortSignal | undefined }[] = [];
    let answer = (): void => undefined;
    const { deps } = recordingDeps();
    deps.requests = {
      quiet: (maxWaitMs, signal) => {
        calls.push({ maxWaitMs, signal });
        return new Promise<void>((resolve) => (answer = resolve));
      },
    };
    let ran = false;
    const task = defineTask(z.object({}), async () => {
      ran = true;
    });
    const signal = new AbortController().signal;
    const done = task(deps)({}, { ...helpersFor(null), abortSignal: signal } as JobHelpers);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toBe(false);
    expect(calls).toEqual([{ maxWaitMs: yieldToRequestsMs, signal }]);
    answer();
    await done;
    expect(ran).toBe(true);
  });

  it('does not wait for anything in a process that answers no requests', async () => {
    const { deps } = recordingDeps();
    let ran = false;
    await defineTask(z.object({}), async () => {
      ran = true;
    })(deps)({}, helpersFor(null));
    expect(ran).toBe(true);
  });
});
