import type { PullRequestRecord } from '../../../core/ports/pull-requests';
import type { Store } from '../../../core/ports/store';
import { findRepositoryPolicy, type PullRequestPolicy } from '../../../core/pull-requests/policy';
import type { ReportState } from './report-state';
import { tail } from './render-text';

export interface LoadReportDeps {
  store: Store;
  policy: PullRequestPolicy;
  publicUrl: string;
  /** The builtin load balancer answers sandbox domains on the bot's own port. */
  builtinLoadBalancer: boolean;
}

/** Reads everything the report of one pull request shows. */
export async function loadReportState(deps: LoadReportDeps, record: PullRequestRecord, now: Date): Promise<ReportState> {
  const instance = record.instanceId === null ? null : await deps.store.getInstance(record.instanceId);
  const appservers = instance ? (await deps.store.listAppservers(instance.id)).sort((a, b) => b.number - a.number) : [];
  const deployments = instance ? (await deps.store.listDeployments(instance.id)).sort((a, b) => b.id - a.id) : [];
  const head = appservers.find((a) => a.commitSha === record.headSha);
  let logTail: string | null = null;
  if (head && (head.state === 'failed' || head.state === 'error')) {
    const chunks = await deps.store.readLog(head.id, { tailBytes: 6_000 });
    logTail = chunks.length ? tail(chunks.map((chunk) => chunk.content).join(''), 30, 4_000) : null;
  }
  return {
    record,
    repository: findRepositoryPolicy(deps.policy, record.repository),
    instance,
    appservers,
    deployments,
    urls: instance ? browserUrls([instance.domain, ...instance.extraDomains], deps.publicUrl, deps.builtinLoadBalancer) : [],
    statusUrl: instance ? `${deps.publicUrl.replace(/\/+$/, '')}/sandboxes/${encodeURIComponent(instance.slug)}` : null,
    logTail,
    now,
  };
}

/** Browser URLs of the domains: the bot's scheme, and its port when the builtin load balancer answers them. */
function browserUrls(domains: readonly string[], publicUrl: string, builtin: boolean): string[] {
  const base = new URL(publicUrl);
  const port = builtin && base.port ? `:${base.port}` : '';
  return domains.map((domain) => `${base.protocol}//${domain}${port}`);
}
