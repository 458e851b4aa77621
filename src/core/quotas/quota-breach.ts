/** The live-sandbox quotas (issue 16): per author and per repository. */
export type QuotaName = 'per_author' | 'per_repository';

/** A sandbox that holds a slot of a full quota. */
export interface QuotaHolder {
  slug: string;
  /** The pull request's URL, or null for a manual sandbox. */
  prUrl: string | null;
  prNumber: number | null;
}

/** Why a sandbox may not go live now: which quota is full, for whom, and who holds its slots. */
export interface QuotaBreach {
  quota: QuotaName;
  /** The author (GitHub login, or `<surface>:<id>` of a manual sandbox's creator) or the repository (`owner/name`). */
  subject: string;
  limit: number;
  holders: QuotaHolder[];
}

/** Limits of one repository; null: no limit. */
export interface QuotaLimits {
  perAuthor: number | null;
  perRepository: number | null;
}

/** `the quota of 2 live sandboxes per author (octocat)`: the quota in words, for every surface. */
export function describeQuota(breach: Pick<QuotaBreach, 'quota' | 'subject' | 'limit'>): string {
  const plural = breach.limit === 1 ? 'sandbox' : 'sandboxes';
  return breach.quota === 'per_author'
    ? `the quota of ${breach.limit} live ${plural} per author (${breach.subject})`
    : `the quota of ${breach.limit} live ${plural} per repository (${breach.subject})`;
}

/** The holders in words: `pr3-app (#3), demo`; at most `max` named. */
export function describeHolders(holders: readonly QuotaHolder[], max = 10): string {
  const named = holders.slice(0, max).map((h) => (h.prNumber !== null ? `${h.slug} (#${h.prNumber})` : h.slug));
  const more = holders.length > max ? ` and ${holders.length - max} more` : '';
  return `${named.join(', ')}${more}`;
}
