import type { Config, RepositoryConfig } from '../config/schema';
import { SandboxError } from '../core/errors';
import type { Instance } from '../core/model';
import type { Recipe, RecipeBook } from '../core/ports/other-ports';

/** Recipes from `repositories[]` in sandbox.yml. */
export function createRecipeBook(config: Config): RecipeBook {
  return {
    recipeFor(instance: Instance): Recipe {
      const repository = repositoryOf(config, instance);
      return recipeOf(repository);
    },
  };
}

export function repositoryOf(config: Config, instance: Pick<Instance, 'prRepo' | 'slug'>): RepositoryConfig {
  const name = instance.prRepo;
  const repository = config.repositories.find((r) => r.name.toLowerCase() === name?.toLowerCase());
  if (!repository) {
    throw new SandboxError('usage', `${instance.slug}: repository ${name ?? '(none)'} is not configured in sandbox.yml (repositories[]); add it with its recipe`);
  }
  return repository;
}

/** The recipe a repository declares. Only `script` runs in this version; the others are refused with a clear message. */
export function recipeOf(repository: RepositoryConfig): Recipe {
  if (repository.recipe !== 'script') {
    throw new SandboxError('usage', `${repository.name}: recipe "${repository.recipe}" is not supported by this version of the bot yet; use recipe: script`);
  }
  const script = repository.script;
  if (!script) throw new SandboxError('usage', `${repository.name}: recipe script needs a script: block with at least start: (see docs/configuration.md)`);
  return {
    name: 'script',
    fields: [],
    extraDomainPrefixes: script.extra_domain_prefixes,
    healthPath: script.health_path,
    healthTimeoutMs: script.health_timeout,
    phases: { deploy: script.deploy, start: script.start, stop: script.stop, destroy: script.destroy },
  };
}
