import type { PullRequestRecord, PullRequestSnapshot } from '../ports/pull-requests';
import { pullRequestKey } from './policy';
import type { PullRequestDeps } from './sync-pull-request';

/** A sync older than this is repeated by the reconcile even when nothing seems to have changed (catches lost `edited` events). */
export const resyncAfterMs = 60 * 60 * 1000;

export interface ReconcileSummary {
  repositories: number;
  notInstalled: string[];
  syncs: number;
}

/**
 * Heals drift between GitHub and the sandboxes, since GitHub does not retry
 * failed deliveries: every open pull request of every watched repository
 * that the bot has not seen as it is now gets a sync (which creates,
 * redeploys or restores), and every live PR sandbox whose pull request is
 * no longer open gets one too (which archives it).
 */
export async function reconcilePullRequests(deps: PullRequestDeps): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { repositories: 0, notInstalled: [], syncs: 0 };
  const live = (await deps.store.listInstances()).filter(
    (instance) => instance.kind === 'pr' && instance.prRepo && instance.prNumber !== null,
  );
  for (const repository of deps.policy.repositories) {
    const open = await deps.source.listOpenPullRequests(repository.name);
    if (open === null) {
      summary.notInstalled.push(repository.name);
      deps.logger.warn(
        { repository: repository.name },
        'the GitHub App is not installed on a repository listed in sandbox.yml; install it there to get sandboxes',
      );
      continue;
    }
    summary.repositories += 1;
    const openNumbers = new Set(open.map((pr) => pr.number));
    for (const pr of open) {
      const record = await deps.records.find(pr.repository, pr.number);
      if (!needsResync(pr, record, deps.now())) continue;
      await requestSync(deps, pr.repository, pr.number, pr.installationId);
      summary.syncs += 1;
    }
    const name = repository.name.toLowerCase();
    for (const instance of live) {
      if (instance.prRepo!.toLowerCase() !== name || openNumbers.has(instance.prNumber!)) continue;
      await requestSync(deps, instance.prRepo!, instance.prNumber!, open[0]?.installationId ?? null);
      summary.syncs += 1;
    }
  }
  return summary;
}

/** Whether the listed pull request differs from what the bot last saw, or was seen too long ago. */
export function needsResync(pr: PullRequestSnapshot, record: PullRequestRecord | null, now: Date): boolean {
  if (!record || record.instanceId === null) return true;
  if (record.state !== pr.state || record.headSha !== pr.headSha || record.draft !== pr.draft) return true;
  // A slot may have freed up without an archive this process saw (a quota raised in sandbox.yml).
  if (record.waiting === 'quota') return true;
  return !record.syncedAt || now.getTime() - record.syncedAt.getTime() > resyncAfterMs;
}

/**
 * Syncs again every open pull request waiting for a quota slot, so the
 * first to fit deploys once a sandbox is archived or deleted (the quota lock
 * makes the others wait again). Returns how many syncs it asked for.
 */
export async function syncQuotaWaiters(deps: Pick<PullRequestDeps, 'store' | 'records'>): Promise<number> {
  const waiting = await deps.records.listWaitingForQuota();
  for (const record of waiting) await requestSync(deps, record.repository, record.number, record.installationId);
  return waiting.length;
}

async function requestSync(
  deps: Pick<PullRequestDeps, 'store'>,
  repository: string,
  number: number,
  installationId: number | null,
): Promise<void> {
  const key = pullRequestKey(repository, number);
  await deps.store.enqueue(
    'sync_pull_request',
    { repository, number, installationId, actor: { surface: 'system', id: 'reconcile' } },
    { jobKey: key, queueName: key },
  );
}
