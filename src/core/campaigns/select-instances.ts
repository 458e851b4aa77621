import type { Instance } from '../model';

/** The tags a campaign gives: `<tag>-ongoing`, then `<tag>-success` or `<tag>-failure`. */
export const campaignTags = (tag: string) => ({
  ongoing: `${tag}-ongoing`,
  success: `${tag}-success`,
  failure: `${tag}-failure`,
});

export interface Candidate {
  instance: Instance;
  tags: readonly string[];
  everRunning: boolean;
}

/**
 * The instances a campaign for `tag` redeploys, in slug order: not archived,
 * at least one appserver ever reached `running`, not tagged `<tag>-ongoing`,
 * `-success` or `-failure` (just `<tag>` is fine), matching every key of
 * `filter` and no key of `exclude`.
 */
export function selectInstances(
  candidates: readonly Candidate[],
  options: { tag: string; filter: Record<string, unknown>; exclude: Record<string, unknown> },
): Instance[] {
  const marks = Object.values(campaignTags(options.tag));
  return candidates
    .filter((c) => !c.instance.archivedAt && !c.instance.deletedAt && c.everRunning)
    .filter((c) => !c.tags.some((tag) => marks.includes(tag)))
    .filter((c) => Object.entries(options.filter).every(([key, wanted]) => matches(c, key, wanted)))
    .filter((c) => !Object.entries(options.exclude).some(([key, unwanted]) => matches(c, key, unwanted)))
    .map((c) => c.instance)
    .sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
}

/** Whether the instance's `key` (a field, `repository`, `kind`, `slug` or `tag`) is the value, or one of a list of values. */
function matches(candidate: Candidate, key: string, wanted: unknown): boolean {
  const values = (Array.isArray(wanted) ? wanted : [wanted]).map((v) => String(v));
  const { instance } = candidate;
  if (key === 'tag') return candidate.tags.some((tag) => values.includes(tag));
  const actual =
    key === 'repository'
      ? instance.prRepo
      : key === 'kind'
        ? instance.kind
        : key === 'slug'
          ? instance.slug
          : instance.fields[key];
  return actual !== undefined && actual !== null && values.includes(String(actual));
}
