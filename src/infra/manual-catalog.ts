import type { Config, RepositoryConfig } from '../config/schema';
import type { ManualCatalog, ManualRepository } from '../core/commands/runners';
import { reservedSlugs } from '../core/operations/create-instance';
import type { SettingsMap } from '../core/settings';
import { recipeOf } from './recipes';

/** The configured repositories (sandbox.yml `repositories[]`) as manual sandboxes use them. */
export function createManualCatalog(config: Config): ManualCatalog {
  return {
    find(reference) {
      const wanted = normalize(reference);
      const found = config.repositories.find(
        (r) =>
          normalize(r.name) === wanted ||
          (r.url !== null && normalize(r.url) === wanted) ||
          normalize(`https://github.com/${r.name}`) === wanted,
      );
      return found ? manualRepository(config, found) : null;
    },
    names: () => config.repositories.map((r) => r.name),
    globalFields: config.defaults.fields,
    baseDomain: config.base_domain,
    reservedSlugs: reservedSlugs({
      baseDomain: config.base_domain,
      publicUrl: config.public_url,
      configured: config.naming.reserved_slugs,
    }),
  };
}

function manualRepository(config: Config, repository: RepositoryConfig): ManualRepository {
  const recipe = recipeOf(repository);
  return {
    name: repository.name,
    url: repository.url,
    defaultSettings: repository.settings as SettingsMap,
    defaultFields: repository.fields,
    extraDomainPrefixes: recipe.extraDomainPrefixes,
    recipeFields: recipe.fields,
    ephemeralDatabases: repository.ephemeral_databases ?? config.defaults.ephemeral_databases,
  };
}

function normalize(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
}
