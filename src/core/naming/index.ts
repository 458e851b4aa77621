export { makeSlug, checkSlugTemplate, defaultSlugTemplate, type MakeSlugInput } from './make-slug';
export { checkSlug, validateSlug, type SlugCheck } from './validate-slug';
export { makeDomains, measurePrefixRoom, type InstanceDomains } from './make-domains';
export { sanitizeLabel, hashText, maxLabelLength } from './sanitize-label';
