import type { Store } from '../ports/store';

/**
 * Tells the surfaces (GitHub check run and comment, Slack progress message)
 * that an instance changed. Runs at once, with no coalescing delay: the
 * per-instance key and queue coalesce a burst by themselves, since changes
 * made while a report runs replace one pending report that follows it and
 * reads the state as it is then. A delay would only make every report late
 * (a future `run_at` also waits for the worker's next poll, up to 2 s), and
 * the reporters write only what changed since their last report.
 */
export async function reportChange(store: Store, instanceId: number, now: Date = new Date()): Promise<void> {
  await store.enqueue(
    'report_instance',
    { instanceId },
    { jobKey: `report:${instanceId}`, runAt: now, queueName: `report:${instanceId}` },
  );
}
