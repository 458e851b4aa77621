import type { Store } from '../ports/store';

/** Coalescing window: a burst of state changes of one instance becomes one report. */
export const reportDelayMs = 500;

/**
 * Tells the surfaces (GitHub check run and comment, Slack progress message)
 * that an instance changed. Enqueued with a per-instance key, so a burst of
 * changes costs one report job that reads the current state.
 */
export async function reportChange(store: Store, instanceId: number, now: Date = new Date()): Promise<void> {
  await store.enqueue(
    'report_instance',
    { instanceId },
    {
      jobKey: `report:${instanceId}`,
      runAt: new Date(now.getTime() + reportDelayMs),
      queueName: `report:${instanceId}`,
    },
  );
}
