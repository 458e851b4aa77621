import { SandboxError } from '../errors';
import type { Store } from '../ports/store';

export interface SlugClaim {
  slug: string;
  /** Every domain the sandbox would serve (main first). */
  domains: readonly string[];
  /** `www`, the bot's host name, `naming.reserved_slugs` (see `reservedSlugs`). */
  reservedSlugs: readonly string[];
  /** The sandbox that makes the claim when it exists already (a PR's own, on a later sync): its own slug and domains never conflict. */
  self?: { id: number } | null;
}

/**
 * Why a new sandbox may not take this slug, or null when it may: the slug is
 * reserved (a code `usage` error), another sandbox has it, or another sandbox
 * serves one of its domains (`conflict`: a `studio-foo` would take the Studio
 * domain of `foo`, and `foo` created after a `studio-foo` would take that
 * sandbox's main domain). Manual and PR sandboxes are checked alike.
 */
export async function slugConflict(store: Store, claim: SlugClaim): Promise<SandboxError | null> {
  const { slug } = claim;
  if (claim.reservedSlugs.includes(slug)) {
    return new SandboxError(
      'usage',
      `the slug ${slug} is reserved (www, the bot's own host name and naming.reserved_slugs in sandbox.yml); pick another slug`,
    );
  }
  const same = await store.findInstanceBySlug(slug);
  if (same && same.id !== claim.self?.id)
    return new SandboxError('conflict', `a sandbox named ${slug} exists already; pick another slug`);
  for (const domain of claim.domains) {
    const owner = await store.findInstanceByDomain(domain);
    if (owner && owner.slug !== slug && owner.id !== claim.self?.id) {
      return new SandboxError(
        'conflict',
        `the sandbox ${slug} would serve ${domain}, which the sandbox ${owner.slug} serves already; pick another slug`,
      );
    }
  }
  return null;
}

/** The slugs no sandbox may take: `www`, the first label of the bot's own host name under the base domain, and the configured ones. */
export function reservedSlugs(options: {
  baseDomain: string;
  publicUrl: string | null;
  configured: readonly string[];
}): string[] {
  const reserved = new Set(['www', ...options.configured]);
  const host =
    options.publicUrl && URL.canParse(options.publicUrl) ? new URL(options.publicUrl).hostname.toLowerCase() : '';
  if (host.endsWith(`.${options.baseDomain}`))
    reserved.add(
      host
        .slice(0, -options.baseDomain.length - 1)
        .split('.')
        .pop()!,
    );
  return [...reserved];
}
