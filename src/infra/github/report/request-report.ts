import type { JobQueue } from '../../../core/ports/store';

/** Coalescing window of GitHub reports: a burst of changes becomes one round of API calls. */
export const reportDelayMs = 250;

/** Asks for a report of one pull request: coalesced (jobKey) and serialized (queue) per PR, so only one writer ever edits its comment. */
export async function requestReport(queue: JobQueue, pullRequestId: number, now = new Date()): Promise<void> {
  const key = `github-report:${pullRequestId}`;
  await queue.enqueue(
    'report_pull_request',
    { pullRequestId },
    { jobKey: key, queueName: key, runAt: new Date(now.getTime() + reportDelayMs) },
  );
}
