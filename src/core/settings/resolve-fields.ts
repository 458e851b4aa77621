import type { TopLevelKey } from './inspect-settings-tree';
import { describePosition, isSettingsMap, type SettingsError, type SettingsMap } from './types';

/** Instance fields every repository has; recipes declare more. */
export const builtInFieldNames: readonly string[] = [
  'openedx_release',
  'configuration_version',
  'configuration_source_repo_url',
];

/** Older PR keys that set a field under another name (the predecessor's spelling). */
export const fieldAliases: Readonly<Record<string, string>> = {
  edx_ansible_source_repo: 'configuration_source_repo_url',
};

export interface ResolveFieldsInput {
  /** The PR block's own settings, not merged: only a key written in the PR overrides a field. */
  prSettings: SettingsMap;
  /** The repository's default field values (`repositories[].fields`). */
  repositoryFields: Readonly<Record<string, string>>;
  /** Global default field values (`defaults.fields`). */
  globalFields: Readonly<Record<string, string>>;
  /** Extra fields the repository's recipe declares: names, or declarations with the recipe's default and aliases. */
  recipeFields?: readonly (string | RecipeFieldDeclaration)[];
  /** Where the PR's top-level keys stand, to place errors and to read numbers as written. */
  topLevelKeys?: ReadonlyMap<string, TopLevelKey>;
}

/** A recipe's field as resolution needs it (see `RecipeField` in the ports). */
export interface RecipeFieldDeclaration {
  name: string;
  default?: string | null;
  /** A default that follows fields resolved before it (e.g. the playbook from `openedx_release`); null: `default`. */
  defaultFrom?: (fields: Readonly<Record<string, string>>) => string | null;
  aliases?: readonly string[];
}

export interface ResolvedFields {
  /** Field values; a field without a value anywhere is left out. */
  fields: Record<string, string>;
  errors: SettingsError[];
}

/**
 * Resolves instance fields. Precedence, per field: the PR key (or its alias;
 * the canonical name wins when both are written), then the repository
 * default, then the global default, then the recipe's own default (which may
 * follow a field listed before it: built-in fields come first). The result depends only on these inputs,
 * so removing a PR key restores the default on the next sync: nothing sticks.
 * A number or boolean is taken as written (`1.10` stays "1.10"); a mapping or
 * list is a settings error.
 *
 * @example
 * resolveFields({
 *   prSettings: { edx_ansible_source_repo: 'https://github.com/me/configuration' },
 *   repositoryFields: { configuration_version: 'open-release/quince.1' },
 *   globalFields: { openedx_release: 'master', configuration_version: 'master' },
 * }).fields;
 * // → { openedx_release: 'master', configuration_version: 'open-release/quince.1',
 * //     configuration_source_repo_url: 'https://github.com/me/configuration' }
 */
export function resolveFields(input: ResolveFieldsInput): ResolvedFields {
  const fields: Record<string, string> = {};
  const errors: SettingsError[] = [];
  const declarations = new Map(
    (input.recipeFields ?? []).map((field) =>
      typeof field === 'string' ? [field, { name: field }] : [field.name, field],
    ),
  );
  for (const name of listFieldNames(input)) {
    const declared = declarations.get(name);
    const fromPr = readPrField(name, declared?.aliases ?? [], input, errors);
    const value =
      fromPr ??
      input.repositoryFields[name] ??
      input.globalFields[name] ??
      declared?.defaultFrom?.(fields) ??
      declared?.default ??
      undefined;
    if (value !== undefined) fields[name] = value;
  }
  return { fields, errors };
}

function listFieldNames(input: ResolveFieldsInput): string[] {
  const declared = [
    ...builtInFieldNames,
    ...(input.recipeFields ?? []).map((field) => (typeof field === 'string' ? field : field.name)),
  ];
  const others = [...Object.keys(input.repositoryFields), ...Object.keys(input.globalFields)].sort();
  return [...new Set([...declared, ...others])];
}

function readPrField(
  name: string,
  recipeAliases: readonly string[],
  input: ResolveFieldsInput,
  errors: SettingsError[],
): string | undefined {
  const keys = [name, ...Object.keys(fieldAliases).filter((alias) => fieldAliases[alias] === name), ...recipeAliases];
  const key = keys.find(
    (candidate) => Object.hasOwn(input.prSettings, candidate) && input.prSettings[candidate] !== null,
  );
  if (key === undefined) return undefined;
  const value = input.prSettings[key];
  if (typeof value === 'string') return value;
  const place = input.topLevelKeys?.get(key);
  if (typeof value === 'number' || typeof value === 'boolean') return place?.valueSource ?? String(value);
  const position = place?.position ?? null;
  const what = isSettingsMap(value) ? 'a mapping' : 'a list';
  errors.push({
    code: 'settings_field_type',
    message: `settings ${describePosition(position)}: ${key} sets the ${name} field and must be a single value, not ${what}; write it as ${key}: "<value>"`,
    line: position?.line ?? null,
    column: position?.column ?? null,
  });
  return undefined;
}
