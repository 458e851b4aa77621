import { makeDomains, measurePrefixRoom } from '../naming/make-domains';
import { makeSlug } from '../naming/make-slug';
import { maxLabelLength } from '../naming/sanitize-label';
import { checkDatabaseSetting, chooseDatabaseMode, type DatabaseMode } from './database-mode';
import { mergeSettings } from './merge-settings';
import { checkFlavorSetting } from './sandbox-flavor';
import { readPrSettings } from './read-pr-settings';
import { resolveFields, type RecipeFieldDeclaration } from './resolve-fields';
import type { SettingsError, SettingsMap } from './types';

/** Everything that decides a PR sandbox's settings, as plain values (the CLI adapts the config). */
export interface ExplainSettingsInput {
  body: string | null | undefined;
  /** The PR's repository, `owner/name`. */
  repository: string;
  number: number;
  branch?: string;
  baseDomain: string;
  slugTemplate?: string;
  /** Every watched repository, `owner/name` (naming keeps same-name forks apart). */
  configuredRepositories?: readonly string[];
  repositorySettings?: SettingsMap;
  repositoryFields?: Readonly<Record<string, string>>;
  globalFields?: Readonly<Record<string, string>>;
  /** Fields and domain prefixes the repository's recipe declares. */
  recipeFields?: readonly (string | RecipeFieldDeclaration)[];
  domainPrefixes?: readonly string[];
  /** Deny patterns from the configuration, on top of the built-in list. */
  extraDenyPatterns?: readonly string[];
  repositoryEphemeralDatabases?: boolean | null;
  globalEphemeralDatabases?: boolean;
  /** Flavors a PR may pick with `sandbox_flavor` (compute.provider openstack); null or absent: the setting is refused. */
  allowedFlavors?: readonly string[] | null;
}

/** The result of `sbx settings explain --json`; its shape is documented in docs/settings.md and kept stable. */
export interface SettingsExplanation {
  block: string | null;
  settings: SettingsMap | null;
  fields: Record<string, string>;
  databases: DatabaseMode;
  slug: string;
  domain: string;
  domains: string[];
  errors: SettingsError[];
}

/**
 * What a PR body does to its sandbox: the extracted block, the merged settings,
 * field values, database mode, slug, domains and settings errors. With errors,
 * `settings` is null and fields and database mode show the defaults the
 * sandbox keeps, since nothing from the PR is deployed.
 */
export function explainSettings(input: ExplainSettingsInput): SettingsExplanation {
  const repositorySettings = input.repositorySettings ?? {};
  const pr = readPrSettings(input.body, { extraDenyPatterns: input.extraDenyPatterns ?? [] });
  const fieldInput = {
    repositoryFields: input.repositoryFields ?? {},
    globalFields: input.globalFields ?? {},
    recipeFields: input.recipeFields ?? [],
  };
  const prSettings = pr.settings ?? {};
  const resolved = resolveFields({ ...fieldInput, prSettings, topLevelKeys: pr.topLevelKeys });
  const databaseError = checkDatabaseSetting(prSettings, pr.topLevelKeys);
  const flavorError = checkFlavorSetting(prSettings, input.allowedFlavors ?? null, pr.topLevelKeys);
  const errors = [
    ...pr.errors,
    ...resolved.errors,
    ...(databaseError ? [databaseError] : []),
    ...(flavorError ? [flavorError] : []),
  ];
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));

  const ok = errors.length === 0;
  const merged = mergeSettings(repositorySettings, ok ? prSettings : {});
  const fields = ok ? resolved.fields : resolveFields({ ...fieldInput, prSettings: {} }).fields;

  const prefixes = input.domainPrefixes ?? [];
  const slug = makeSlug({
    repository: input.repository,
    number: input.number,
    branch: input.branch,
    template: input.slugTemplate,
    configuredRepositories: input.configuredRepositories,
    maxLength: maxLabelLength - measurePrefixRoom(prefixes),
  });
  const { domain, domains } = makeDomains({ slug, baseDomain: input.baseDomain, prefixes });
  const databases = chooseDatabaseMode({
    settings: merged,
    body: input.body,
    domain,
    repositoryDefault: input.repositoryEphemeralDatabases ?? null,
    globalDefault: input.globalEphemeralDatabases ?? true,
  });

  return {
    block: pr.block,
    settings: ok && Object.keys(merged).length > 0 ? merged : null,
    fields,
    databases,
    slug,
    domain,
    domains,
    errors,
  };
}
