import { configSchema, recipeNames } from '../../config/schema';
import { builtInFieldNames, fieldAliases } from '../../core/settings/resolve-fields';
import { recipeDeclarations } from './index';

/** The generated part of docs/settings.md lies between these two lines. */
export const fieldsBegin =
  '<!-- fields table: generated from the recipes’ declarations by `npm run docs`; do not edit -->';
export const fieldsEnd = '<!-- end of the generated fields table -->';

/**
 * The fields table of docs/settings.md: each recipe's declared fields (its
 * default, the PR keys that set it, what it is for), and the fields every
 * repository has. Built from the recipes themselves, so it cannot drift.
 */
export function renderFieldsTable(): string {
  const rows = [
    '| recipe | field | recipe default | PR keys | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...builtInFieldNames.map((name) =>
      row(
        'every recipe',
        name,
        null,
        aliasesOf(name, []),
        'set only by the PR, `repositories[].fields` or `defaults.fields`',
      ),
    ),
  ];
  for (const recipe of recipeNames) {
    const fields = recipeDeclarations(exampleRepository(recipe)).fields;
    if (fields.length === 0)
      rows.push(`| \`${recipe}\` | – | | | declares no fields; its settings reach the deploy as variables |`);
    for (const field of fields)
      rows.push(
        row(`\`${recipe}\``, field.name, field.default, aliasesOf(field.name, field.aliases ?? []), field.description),
      );
  }
  return [fieldsBegin, ...rows, fieldsEnd].join('\n');
}

/** `current` (docs/settings.md) with its generated fields table replaced by the current one; throws when the markers are missing. */
export function renderSettingsDocs(current: string): string {
  const begin = current.indexOf(fieldsBegin);
  const end = current.indexOf(fieldsEnd);
  if (begin === -1 || end < begin)
    throw new Error(
      `docs/settings.md: the lines "${fieldsBegin}" and "${fieldsEnd}" mark where the fields table goes; put them back`,
    );
  return `${current.slice(0, begin)}${renderFieldsTable()}${current.slice(end + fieldsEnd.length)}`;
}

function row(recipe: string, name: string, fallback: string | null, keys: string[], meaning: string): string {
  const value = fallback === null ? '–' : `\`${fallback}\``;
  return `| ${recipe} | \`${name}\` | ${value} | ${keys.map((key) => `\`${key}\``).join(', ')} | ${meaning.replaceAll('|', '\\|')} |`;
}

function aliasesOf(name: string, declared: readonly string[]): string[] {
  const builtIn = Object.keys(fieldAliases).filter((alias) => fieldAliases[alias] === name);
  return [...new Set([name, ...builtIn, ...declared])];
}

/** A repository with the recipe's defaults (the script recipe needs its two commands to exist). */
function exampleRepository(recipe: (typeof recipeNames)[number]) {
  const script = recipe === 'script' ? { script: { deploy: 'true', start: 'true' } } : {};
  return configSchema.parse({ repositories: [{ name: 'example/app', recipe, ...script }] }).repositories[0]!;
}
