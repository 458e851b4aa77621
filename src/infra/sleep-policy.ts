import type { Config } from '../config/schema';
import type { SleepPolicy } from '../core/sleep/sleep-policy';

/** `repositories[].sleep_after` of sandbox.yml (PR and manual sandboxes of the repository alike). */
export function createSleepPolicy(config: Config): SleepPolicy {
  const byName = new Map(config.repositories.map((repository) => [repository.name.toLowerCase(), repository]));
  return {
    sleepAfterOf(instance) {
      const repository = instance.prRepo ? byName.get(instance.prRepo.toLowerCase()) : undefined;
      return repository?.sleep_after ?? null;
    },
  };
}
