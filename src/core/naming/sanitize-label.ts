/** Longest DNS label (RFC 1035): a slug, and every prefixed label built from it, fits in one. */
export const maxLabelLength = 63;

/** Lowercases and keeps only a-z, 0-9 and single hyphens between them: `Foo_Bar.js` → `foo-bar-js`. */
export function sanitizeLabel(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A short stable hash (FNV-1a, 32 bits, base 36, 7 characters) that keeps
 * truncated or disambiguated slugs apart. Stable across runs and machines.
 */
export function hashText(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, '0');
}
