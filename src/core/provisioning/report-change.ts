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

/** How long `reportChangeBeforeNext` holds its report back for the next step's to replace it. */
export const nextStepWithinMs = 1_000;

/**
 * The report of a step the next one usually follows within milliseconds (a
 * deployment started: its appserver is launched next, and that is reported
 * at once). Held back (`nextStepWithinMs`), so the next step's report
 * replaces it (same job key) and the surfaces are told once; when the next
 * step is slow (a VM booting, databases being created, a slow host) it still
 * goes out, at the worker's next poll after that.
 */
export async function reportChangeBeforeNext(store: Store, instanceId: number, now: Date): Promise<void> {
  await store.enqueue(
    'report_instance',
    { instanceId },
    {
      jobKey: `report:${instanceId}`,
      // A report already waiting to run keeps its time: this one never delays it.
      jobKeyMode: 'preserve_run_at',
      runAt: new Date(now.getTime() + nextStepWithinMs),
      queueName: `report:${instanceId}`,
    },
  );
}
