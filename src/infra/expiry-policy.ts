import type { Config } from '../config/schema';
import type { ExpiryPolicy } from '../core/expiry/expiry-policy';

/** The expiry policy of sandbox.yml: each repository's `ttl` (PR sandboxes) and `manual_ttl` (manual ones), and `expiry.*`. */
export function createExpiryPolicy(config: Config): ExpiryPolicy {
  const byName = new Map(config.repositories.map((repository) => [repository.name.toLowerCase(), repository]));
  return {
    ttlOf(instance) {
      const repository = instance.prRepo ? byName.get(instance.prRepo.toLowerCase()) : undefined;
      if (!repository) return null;
      return instance.kind === 'manual' ? repository.manual_ttl : repository.ttl;
    },
    warnBeforeMs: config.expiry.warn_before,
    maxExtensionMs: config.expiry.max_extension,
  };
}
