import { quotaLimitsOf } from '../quota-limits';
import type { Config, RepositoryConfig } from '../../config/schema';
import type { PullRequestPolicy, RepositoryPolicy } from '../../core/pull-requests/policy';
import type { SettingsMap } from '../../core/settings';
import { reservedSlugs } from '../../core/operations/slug-conflict';
import { isolationOf } from '../hosts/local-isolation';
import { recipeDeclarations } from '../recipes';
import { allowedFlavors } from '../../config/openstack-schema';

/** The configuration as the pull request logic reads it (plain values, no config types in core). */
export function policyFromConfig(config: Config, sandboxesIsolated = isolationOf(config).isolated): PullRequestPolicy {
  return {
    repositories: config.repositories.map((repository) => repositoryPolicy(config, repository)),
    baseDomain: config.base_domain,
    slugTemplate: config.naming.slug_template,
    reservedSlugs: reservedSlugs({
      baseDomain: config.base_domain,
      publicUrl: config.public_url,
      configured: config.naming.reserved_slugs,
    }),
    globalFields: config.defaults.fields,
    globalEphemeralDatabases: config.defaults.ephemeral_databases,
    denySettings: config.deny_settings,
    allowedFlavors: config.compute.openstack ? allowedFlavors(config.compute.openstack) : null,
    sandboxesIsolated,
  };
}

function repositoryPolicy(config: Config, repository: RepositoryConfig): RepositoryPolicy {
  const recipe = recipeDeclarations(repository);
  return {
    name: repository.name,
    url: repository.url,
    settings: repository.settings as SettingsMap,
    fields: repository.fields,
    denySettings: repository.deny_settings,
    secretSettings: repository.secret_settings,
    ephemeralDatabases: repository.ephemeral_databases,
    teams: repository.trigger.teams,
    minPermission: repository.trigger.min_permission,
    allowForks: repository.trigger.allow_forks,
    allowForksUnisolated: repository.trigger.allow_forks_unisolated,
    allowDrafts: repository.trigger.allow_drafts,
    onPush: repository.on_push,
    archiveGraceMs: repository.archive_grace,
    domainPrefixes: recipe.extraDomainPrefixes,
    recipeFields: recipe.fields,
    quotas: quotaLimitsOf(config, repository.name),
  };
}
