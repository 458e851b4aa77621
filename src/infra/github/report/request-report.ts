import type { JobQueue } from '../../../core/ports/store';

/**
 * Asks for a report of one pull request: coalesced (jobKey) and serialized
 * (queue) per PR, so only one writer ever edits its comment. No delay: the
 * changes made while a report runs collapse into the one pending report
 * behind it, and each report writes only what changed (digests in the
 * record); a future `run_at` would also wait for the worker's next poll.
 */
export async function requestReport(queue: JobQueue, pullRequestId: number, now = new Date()): Promise<void> {
  const key = `github-report:${pullRequestId}`;
  await queue.enqueue('report_pull_request', { pullRequestId }, { jobKey: key, queueName: key, runAt: now });
}
