import { z } from 'zod';
import { defineTask } from '../define-task';

export const payload = z.object({ instanceId: z.number().int().positive(), retry: z.number().int().min(0).optional() });
export type Payload = z.input<typeof payload>;

/** Quick retries for a report that failed (GitHub or Slack had a hiccup): 1, 2, 4, 8, 16, 30 … seconds. */
const quickRetries = 10;
export const retryDelayMs = (retry: number): number => Math.min(1_000 * 2 ** retry, 30_000);

/**
 * Brings every reporting surface (GitHub, Slack) up to date with one
 * instance. Each reporter runs even when another fails. A failed report is
 * tried again soon (Graphile's own backoff grows to minutes, too slow for a
 * PR's check run); after ten quick retries the job fails and Graphile's
 * backoff takes over.
 */
export const task = defineTask(payload, async (deps, { instanceId, retry = 0 }) => {
  const failures: string[] = [];
  for (const reporter of deps.reporters) {
    try {
      await reporter.report(instanceId);
    } catch (error) {
      deps.logger.warn({ err: error, reporter: reporter.name, instanceId, retry }, 'reporting failed; will retry');
      failures.push(`${reporter.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length === 0) return;
  if (retry >= quickRetries) throw new Error(`reporting instance ${instanceId} failed: ${failures.join('; ')}`);
  // Same key and queue as every other report of this instance: a newer change still replaces it.
  await deps.provisioning.store.enqueue(
    'report_instance',
    { instanceId, retry: retry + 1 },
    {
      jobKey: `report:${instanceId}`,
      queueName: `report:${instanceId}`,
      runAt: new Date(Date.now() + retryDelayMs(retry)),
    },
  );
});
