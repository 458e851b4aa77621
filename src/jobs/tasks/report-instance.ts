import { z } from 'zod';
import { defineTask } from '../define-task';

export const payload = z.object({ instanceId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/**
 * Brings every reporting surface (GitHub, Slack) up to date with one
 * instance. Each reporter runs even when another fails; a failure makes the
 * job fail so Graphile retries it with backoff.
 */
export const task = defineTask(payload, async (deps, { instanceId }) => {
  const failures: string[] = [];
  for (const reporter of deps.reporters) {
    try {
      await reporter.report(instanceId);
    } catch (error) {
      deps.logger.warn({ err: error, reporter: reporter.name, instanceId }, 'reporting failed; will retry');
      failures.push(`${reporter.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length) throw new Error(`reporting instance ${instanceId} failed: ${failures.join('; ')}`);
});
