import { sandboxUrls, statusPageUrl } from '../../../core/naming/sandbox-urls';
import type { PullRequestRecord } from '../../../core/ports/pull-requests';
import type { Store } from '../../../core/ports/store';
import { findRepositoryPolicy, type PullRequestPolicy } from '../../../core/pull-requests/policy';
import type { ReportState } from './report-state';
import { tail } from './render-text';

export interface LoadReportDeps {
  store: Store;
  policy: PullRequestPolicy;
  publicUrl: string;
  /** Port sandbox domains are served on (see core/naming/sandbox-urls); null: the scheme's default. */
  sandboxPort: number | null;
}

/** Reads everything the report of one pull request shows. */
export async function loadReportState(
  deps: LoadReportDeps,
  record: PullRequestRecord,
  now: Date,
): Promise<ReportState> {
  // One snapshot: read apart, an activation landing between the sandbox and its appservers showed the
  // new appserver running but not active (a `success` check run offering Activate for a moment).
  const { instance, appservers, deployments, logTail } = await deps.store.snapshot(async (store) => {
    const instance = record.instanceId === null ? null : await store.getInstance(record.instanceId);
    const appservers = instance ? (await store.listAppservers(instance.id)).sort((a, b) => b.number - a.number) : [];
    const deployments = instance ? (await store.listDeployments(instance.id)).sort((a, b) => b.id - a.id) : [];
    const head = appservers.find((a) => a.commitSha === record.headSha);
    let logTail: string | null = null;
    if (head && (head.state === 'failed' || head.state === 'error')) {
      const chunks = await store.readLog(head.id, { tailBytes: 6_000 });
      logTail = chunks.length ? tail(chunks.map((chunk) => chunk.content).join(''), 30, 4_000) : null;
    }
    return { instance, appservers, deployments, logTail };
  });
  return {
    record,
    repository: findRepositoryPolicy(deps.policy, record.repository),
    instance,
    appservers,
    deployments,
    urls: instance
      ? sandboxUrls([instance.domain, ...instance.extraDomains], {
          publicUrl: deps.publicUrl,
          sandboxPort: deps.sandboxPort,
        })
      : [],
    statusUrl: instance ? statusPageUrl(deps.publicUrl, instance.slug) : null,
    logTail,
    now,
  };
}
