import { SandboxError } from '../errors';
import { maxLabelLength, sanitizeLabel } from './sanitize-label';

/** The verdict on an operator-given slug: fine, or what is wrong and a slug that would do. */
export type SlugCheck = { ok: true; slug: string } | { ok: false; problem: string; suggestion: string | null };

/**
 * Checks a slug for a manual instance against the rules PR slugs follow:
 * 1–63 characters (or `maxLength`), lowercase letters, digits and hyphens,
 * no hyphen at either end and never two in a row.
 */
export function checkSlug(slug: string, maxLength: number = maxLabelLength): SlugCheck {
  const problem = findProblem(slug, maxLength);
  if (problem === null) return { ok: true, slug };
  const suggestion = sanitizeLabel(slug).slice(0, maxLength).replace(/-+$/, '');
  return { ok: false, problem, suggestion: suggestion === '' || suggestion === slug ? null : suggestion };
}

/** Returns the slug when valid; otherwise throws SandboxError('usage') that says what to change. */
export function validateSlug(slug: string, maxLength: number = maxLabelLength): string {
  const check = checkSlug(slug, maxLength);
  if (check.ok) return check.slug;
  const hint = check.suggestion ? `; try "${check.suggestion}"` : '';
  throw new SandboxError('usage', `invalid instance slug "${slug}": ${check.problem}${hint}`);
}

function findProblem(slug: string, maxLength: number): string | null {
  if (slug.length === 0) return 'it is empty; give a name such as "demo-42"';
  if (slug.length > maxLength)
    return `it has ${slug.length} characters, more than the ${maxLength} a domain label allows`;
  if (!/^[a-z0-9-]+$/.test(slug)) return 'use only lowercase letters a-z, digits and hyphens';
  if (slug.startsWith('-') || slug.endsWith('-')) return 'it may not start or end with a hyphen';
  if (slug.includes('--')) return 'it may not contain two hyphens in a row';
  return null;
}
