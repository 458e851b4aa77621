import { SandboxError } from '../errors';
import type { Instance } from '../model';
import type { Store } from '../ports/store';

/**
 * Finds an instance from what a person typed: a slug, a domain, a PR URL
 * (`https://github.com/owner/repo/pull/42`) or `owner/repo#42`. Unknown
 * references fail with `not_found` listing close matches.
 */
export async function resolveInstance(store: Store, reference: string): Promise<Instance> {
  const text = reference.trim().replace(/^<|>$/g, '');
  const pr = /^(?:https?:\/\/[^/]+\/)?([\w.-]+\/[\w.-]+)(?:#|\/pull\/)(\d+)\/?$/.exec(text);
  let found: Instance | null = null;
  if (pr) found = await store.findInstanceByPr(pr[1]!, Number(pr[2]));
  else if (/^https?:\/\//.test(text)) found = await store.findInstanceByDomain(new URL(text).hostname);
  else if (text.includes('.')) found = await store.findInstanceByDomain(text.toLowerCase());
  else found = await store.findInstanceBySlug(text.toLowerCase());
  if (found && !found.deletedAt) return found;
  const all = await store.listInstances({ includeArchived: true });
  const close = closeMatches(
    text.toLowerCase(),
    all.map((instance) => instance.slug),
  );
  throw new SandboxError(
    'not_found',
    `no sandbox matches "${reference}"${close.length ? `; did you mean ${close.join(', ')}?` : ''} (name one by slug, domain, PR URL or owner/repo#N)`,
  );
}

/** Up to three names that contain the text or are a small edit away from it. */
export function closeMatches(text: string, names: readonly string[]): string[] {
  return names
    .map((name) => ({ name, score: name.includes(text) || text.includes(name) ? 0 : editDistance(text, name) }))
    .filter((entry) => entry.score <= Math.max(2, Math.floor(text.length / 4)))
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, 3)
    .map((entry) => entry.name);
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
