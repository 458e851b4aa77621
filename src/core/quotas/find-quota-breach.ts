import type { Actor, Instance } from '../model';
import type { Store } from '../ports/store';
import type { QuotaBreach, QuotaHolder, QuotaLimits } from './quota-breach';

export interface QuotaCandidate {
  /** The sandbox about to go live (excluded from the holders); null for one not created yet. */
  instanceId: number | null;
  kind: Instance['kind'];
  /** PR sandboxes: the PR author's login; manual ones: `<surface>:<id>` of who creates it. */
  author: string;
  /** `owner/name` of the configured repository. */
  repository: string;
}

/** How a manual sandbox's creator is recorded (`instances.created_by`): `<surface>:<id>`, e.g. `slack:U123`. */
export function creatorOf(actor: Actor): string {
  return `${actor.surface}:${actor.id}`;
}

/** Whose slot a sandbox holds: the PR author, or the creator of a manual sandbox. */
export function authorOf(instance: Pick<Instance, 'kind' | 'prAuthor' | 'createdBy'>): string | null {
  return instance.kind === 'pr' ? instance.prAuthor : instance.createdBy;
}

/**
 * The first full quota `candidate` would exceed by going live (the author's
 * sandboxes of the repository first, then all of the repository's), or null
 * when it fits. Live means neither
 * archived nor deleted and deployed at least once; the candidate itself never
 * counts. Call it under `store.lockQuotas()` and go live in the same
 * transaction, so two waiting sandboxes never take one free slot.
 * Example: per author 2, octocat's pr1 and pr2 live, pr3 asks → per_author, holders pr1, pr2.
 */
export async function findQuotaBreach(
  store: Store,
  candidate: QuotaCandidate,
  limits: QuotaLimits,
): Promise<QuotaBreach | null> {
  if (limits.perAuthor === null && limits.perRepository === null) return null;
  const live = (await store.listLiveSandboxes()).filter((instance) => instance.id !== candidate.instanceId);
  const sameRepository = live.filter((i) => i.prRepo?.toLowerCase() === candidate.repository.toLowerCase());
  const author = candidate.author.toLowerCase();
  const byAuthor = sameRepository.filter((i) => i.kind === candidate.kind && authorOf(i)?.toLowerCase() === author);
  if (limits.perAuthor !== null && byAuthor.length >= limits.perAuthor)
    return { quota: 'per_author', subject: candidate.author, limit: limits.perAuthor, holders: byAuthor.map(holder) };
  if (limits.perRepository !== null && sameRepository.length >= limits.perRepository)
    return {
      quota: 'per_repository',
      subject: candidate.repository,
      limit: limits.perRepository,
      holders: sameRepository.map(holder),
    };
  return null;
}

function holder(instance: Instance): QuotaHolder {
  return { slug: instance.slug, prUrl: instance.prUrl, prNumber: instance.kind === 'pr' ? instance.prNumber : null };
}
