import type { Config } from '../config/schema';
import type { QuotaLimits } from '../core/quotas/quota-breach';

/** A repository's quotas: its own `quotas.*` key, or the top-level one when absent (null: no limit). */
export function quotaLimitsOf(
  config: Config,
  repositoryName: string | null,
): QuotaLimits & { appserversPerSandbox: number | null } {
  const wanted = repositoryName?.toLowerCase();
  const own: Partial<Config['quotas']> =
    config.repositories.find((repository) => repository.name.toLowerCase() === wanted)?.quotas ?? {};
  const pick = (key: keyof Config['quotas']) => (own[key] === undefined ? config.quotas[key] : own[key]);
  return {
    perAuthor: pick('live_per_author'),
    perRepository: pick('live_per_repository'),
    appserversPerSandbox: pick('appservers_per_sandbox'),
  };
}
