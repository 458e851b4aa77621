import type { SandboxError } from '../errors';
import type { Actor, Instance } from '../model';
import { slugConflict } from '../operations/slug-conflict';
import { archive, requestDeployment, restore } from '../operations/operations';
import type { CoreLogger } from '../ports/other-ports';
import type {
  PullRequestRecord,
  PullRequestRecords,
  PullRequestSnapshot,
  PullRequestSource,
} from '../ports/pull-requests';
import type { Store } from '../ports/store';
import { appserverConfig } from '../provisioning/create-appserver';
import { mergeSettings } from '../settings';
import { withoutSecretSettings } from './fork-settings';
import { needsAuthorCheck, planSync, type SandboxConfig, type SyncPlan, type WaitingReason } from './plan-sync';
import { describeQuota, type QuotaBreach } from '../quotas/quota-breach';
import { goLiveWithinQuota, holdsQuotaSlot } from '../quotas/within-quota';
import { approvalCovers, findRepositoryPolicy, type PullRequestPolicy, type RepositoryPolicy } from './policy';

/** What the pull request logic works with, handed in by the job. */
export interface PullRequestDeps {
  store: Store;
  records: PullRequestRecords;
  source: PullRequestSource;
  policy: PullRequestPolicy;
  logger: CoreLogger;
  now: () => Date;
}

export interface SyncRequest {
  repository: string;
  number: number;
  installationId: number | null;
  /** Who caused the sync (webhook sender, reconcile); default: the PR author. */
  actor?: Actor;
}

export type SyncOutcome =
  | { kind: 'unconfigured' }
  | { kind: 'not_found' }
  | { kind: 'deleted'; record: PullRequestRecord }
  | { kind: 'closed'; record: PullRequestRecord; archive: 'none' | 'now' | 'later'; archiveAt: Date | null }
  | {
      kind: 'open';
      record: PullRequestRecord;
      instance: Instance;
      waiting: WaitingReason | 'quota' | null;
      action: 'none' | 'deploy' | 'restore';
      reason: string;
    }
  /** No sandbox: its slug is reserved, or another sandbox has it or serves one of its domains; each later sync checks again. */
  | { kind: 'slug_conflict'; record: PullRequestRecord; error: SandboxError };

/**
 * Reads the pull request from GitHub and brings its sandbox in line with it
 * (see `planSync`): creates, restores, redeploys or archives through the
 * core operations, and records what it saw. Safe to run any number of times.
 */
export async function syncPullRequest(deps: PullRequestDeps, request: SyncRequest): Promise<SyncOutcome> {
  const repository = findRepositoryPolicy(deps.policy, request.repository);
  if (!repository) {
    deps.logger.info(
      { repository: request.repository, number: request.number },
      'pull request of a repository that is not in sandbox.yml (repositories[]); nothing to do',
    );
    return { kind: 'unconfigured' };
  }
  const pr = await deps.source.getPullRequest(request.repository, request.number, request.installationId);
  if (!pr) return { kind: 'not_found' };
  const found = await deps.store.findInstanceByPr(pr.repository, pr.number);
  if (found?.deletedAt) return { kind: 'deleted', record: await saveRecord(deps, pr, null) };

  const authorAllowed = needsAuthorCheck(pr, repository, found)
    ? await deps.source.mayTrigger(pr.repository, pr.author, repository, pr.installationId)
    : null;
  const deployments = found ? await deps.store.listDeployments(found.id) : [];
  const latestDeployment = deployments.reduce<(typeof deployments)[number] | null>(
    (latest, d) => (!latest || d.id > latest.id ? d : latest),
    null,
  );
  const plan = planSync({
    pr,
    repository,
    policy: deps.policy,
    instance: found,
    authorAllowed,
    latestDeployment,
    deployed: found ? await deployedConfig(deps.store, found.id) : null,
    now: deps.now(),
  });
  const actor = request.actor ?? { surface: 'github', id: pr.author };

  if (plan.kind === 'closed') {
    const closed = await saveRecord(deps, pr, null);
    if (plan.archive === 'now' && found) await archive({ store: deps.store, now: deps.now }, found, { actor });
    return { kind: 'closed', record: closed, archive: plan.archive, archiveAt: plan.archiveAt };
  }

  if (!found) {
    const { slug, domains } = plan.explanation;
    const conflict = await slugConflict(deps.store, { slug, domains, reservedSlugs: deps.policy.reservedSlugs ?? [] });
    if (conflict) {
      deps.logger.warn(
        { pr: pr.htmlUrl, slug, err: conflict },
        `pull request sandbox not created: ${conflict.message}`,
      );
      return { kind: 'slug_conflict', record: await saveRecord(deps, pr, 'slug'), error: conflict };
    }
  }
  const instance = found
    ? await updateInstance(deps.store, found, pr, repository, plan)
    : await createInstance(deps.store, pr, repository, plan);
  if (!found) deps.logger.info({ slug: instance.slug, pr: pr.htmlUrl }, 'pull request sandbox created');
  const gate = await actWithinQuota(deps, { pr, repository, plan, instance, actor });
  const saved = await saveRecord(deps, pr, gate.waiting, instance.id, gate.breach);
  if (gate.action !== 'none')
    deps.logger.info(
      { slug: instance.slug, action: gate.action, reason: gate.reason, sha: pr.headSha },
      'pull request sandbox deploying',
    );
  if (gate.breach)
    deps.logger.info(
      { slug: instance.slug, pr: pr.htmlUrl, holders: gate.breach.holders.map((h) => h.slug) },
      `pull request sandbox waits: ${gate.reason}`,
    );
  return { kind: 'open', record: saved, instance, waiting: gate.waiting, action: gate.action, reason: gate.reason };
}

/**
 * Carries out the plan's deploy or restore, unless that would make one more
 * live sandbox than a quota allows: then the pull request waits (`quota`)
 * until a slot frees up (an archive or delete syncs the waiting PRs again) or
 * a maintainer's approval of the head commit lets it exceed the quota. A
 * sandbox already live (deployed, not archived) takes no new slot.
 */
async function actWithinQuota(
  deps: PullRequestDeps,
  {
    pr,
    repository,
    plan,
    instance,
    actor,
  }: {
    pr: PullRequestSnapshot;
    repository: RepositoryPolicy;
    plan: OpenPlan;
    instance: Instance;
    actor: Actor;
  },
): Promise<{
  action: OpenPlan['action'];
  waiting: WaitingReason | 'quota' | null;
  reason: string;
  breach: QuotaBreach | null;
}> {
  const planned = { action: plan.action, waiting: plan.waiting, reason: plan.reason, breach: null };
  if (plan.action === 'none') return planned;
  const act = async (store: Store) => {
    if (plan.action === 'deploy')
      await requestDeployment({ store, now: deps.now }, instance, {
        actor,
        commitSha: pr.headSha,
        activateOnSuccess: true,
      });
    else await restore({ store, now: deps.now }, instance, { actor });
  };
  const exempt = approvalCovers(instance, pr.headSha) || (await holdsQuotaSlot(deps.store, instance));
  const outcome = await goLiveWithinQuota(
    deps.store,
    { instanceId: instance.id, kind: 'pr', author: pr.author, repository: repository.name },
    exempt ? null : repository.quotas,
    act,
  );
  if (outcome.ok) return planned;
  return { action: 'none', waiting: 'quota', reason: `over ${describeQuota(outcome.breach)}`, breach: outcome.breach };
}

async function saveRecord(
  deps: PullRequestDeps,
  pr: PullRequestSnapshot,
  waiting: PullRequestRecord['waiting'],
  instanceId?: number,
  waitingQuota: QuotaBreach | null = null,
): Promise<PullRequestRecord> {
  const now = deps.now();
  // Syncs of one PR run one at a time (its queue), so the record read here is the one this save replaces.
  const previous = await deps.records.find(pr.repository, pr.number);
  const sameHead = previous?.headSha === pr.headSha;
  return deps.records.save(pr.repository, pr.number, {
    installationId: pr.installationId,
    state: pr.state,
    merged: pr.merged,
    draft: pr.draft,
    headSha: pr.headSha,
    author: pr.author,
    fromFork: pr.fromFork,
    closedAt: pr.closedAt,
    waiting: pr.state === 'open' ? waiting : null,
    waitingQuota: pr.state === 'open' && waiting === 'quota' ? waitingQuota : null,
    syncedAt: now,
    // An approval is dated against when the head appeared, not against the last sync (which any edit, label or reconcile causes).
    headSeenAt: sameHead ? (previous.headSeenAt ?? previous.syncedAt ?? now) : now,
    ...(instanceId === undefined ? {} : { instanceId }),
  });
}

/** The settings, fields and database mode of the newest appserver, or null without appservers. */
async function deployedConfig(store: Store, instanceId: number): Promise<SandboxConfig | null> {
  const appservers = await store.listAppservers(instanceId);
  const newest = appservers.reduce<(typeof appservers)[number] | null>(
    (found, a) => (!found || a.number > found.number ? a : found),
    null,
  );
  if (!newest) return null;
  const config = appserverConfig(newest);
  return { settings: config.settings, fields: config.fields, databaseMode: config.databaseMode };
}

type OpenPlan = Extract<SyncPlan, { kind: 'open' }>;

function cloneUrl(pr: PullRequestSnapshot, repository: RepositoryPolicy): string {
  return repository.url ?? (pr.fromFork ? (pr.headCloneUrl ?? pr.baseCloneUrl) : pr.baseCloneUrl);
}

function sandboxConfig(pr: PullRequestSnapshot, repository: RepositoryPolicy, plan: OpenPlan): SandboxConfig {
  if (plan.desired) return plan.desired;
  const defaults = pr.fromFork
    ? withoutSecretSettings(repository.settings, repository.secretSettings)
    : repository.settings;
  return {
    settings: mergeSettings(defaults, {}) as Record<string, unknown>,
    fields: plan.explanation.fields,
    databaseMode: plan.explanation.databases,
  };
}

/** What a sync always writes from the pull request itself, on create and on update alike. */
function pullRequestFields(pr: PullRequestSnapshot, repository: RepositoryPolicy, plan: OpenPlan) {
  return {
    prUrl: pr.htmlUrl,
    prAuthor: pr.author,
    prHeadSha: pr.headSha,
    prFromFork: pr.fromFork,
    repoUrl: cloneUrl(pr, repository),
    ref: pr.headRef,
    settingsErrors: plan.errors,
  };
}

async function createInstance(
  store: Store,
  pr: PullRequestSnapshot,
  repository: RepositoryPolicy,
  plan: OpenPlan,
): Promise<Instance> {
  const { explanation } = plan;
  return store.insertInstance({
    slug: explanation.slug,
    domain: explanation.domain,
    extraDomains: explanation.domains.slice(1),
    kind: 'pr',
    prRepo: pr.repository,
    prNumber: pr.number,
    ...pullRequestFields(pr, repository, plan),
    ...sandboxConfig(pr, repository, plan),
  });
}

async function updateInstance(
  store: Store,
  instance: Instance,
  pr: PullRequestSnapshot,
  repository: RepositoryPolicy,
  plan: OpenPlan,
): Promise<Instance> {
  return store.updateInstance(instance.id, { ...pullRequestFields(pr, repository, plan), ...(plan.desired ?? {}) });
}
