import type { Config, RepositoryConfig } from '../../config/schema';
import type { recipeNames } from '../../config/schema';
import { SandboxError } from '../../core/errors';
import type { Instance } from '../../core/model';
import type { Recipe, RecipeBook } from '../../core/ports/other-ports';
import { composeRecipe } from './compose';
import { openedxAnsibleRecipe } from './openedx-ansible';
import { scriptRecipe } from './script';
import { tutorRecipe } from './tutor';

type RecipeName = (typeof recipeNames)[number];

/** Every recipe the configuration accepts, each able to deploy. */
const recipes = {
  script: scriptRecipe,
  compose: composeRecipe,
  'openedx-ansible': openedxAnsibleRecipe,
  tutor: tutorRecipe,
} satisfies Record<RecipeName, (repository: RepositoryConfig) => Recipe>;

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
    throw new SandboxError(
      'usage',
      `${instance.slug}: repository ${name ?? '(none)'} is not configured in sandbox.yml (repositories[]); add it with its recipe`,
    );
  }
  return repository;
}

/** The recipe a repository declares, with its fields, domains, health check and phases. */
export function recipeOf(repository: RepositoryConfig): Recipe {
  return recipes[repository.recipe](repository);
}

/** What a repository's recipe declares to settings and naming (fields, extra domains), even before its phases are configured. */
export function recipeDeclarations(repository: RepositoryConfig): Pick<Recipe, 'fields' | 'extraDomainPrefixes'> {
  if (repository.recipe === 'script')
    return { fields: [], extraDomainPrefixes: repository.script?.extra_domain_prefixes ?? [] };
  const recipe = recipeOf(repository);
  return { fields: recipe.fields, extraDomainPrefixes: recipe.extraDomainPrefixes };
}

/** Problems that would stop a repository's sandboxes from deploying (for config loading and `sbx config check`). */
export function recipeProblems(config: Config): string[] {
  const problems: string[] = [];
  for (const repository of config.repositories) {
    try {
      recipeOf(repository);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  return problems;
}
