import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseDocument, stringify } from 'yaml';
import type { Config, RepositoryConfig } from '../../config/schema';
import { isSandboxError } from '../../core/errors';
import { explainSettings, isSettingsMap, type SettingsExplanation, type SettingsMap } from '../../core/settings';
import type { CliContext } from '../context';
import type { RecipeField } from '../../core/ports/other-ports';
import { recipeDeclarations } from '../../infra/recipes';
import { settingsToJsOptions, settingsYamlOptions } from '../../core/settings/yaml-options';
import { allowedFlavors } from '../../config/openstack-schema';

interface ExplainOptions {
  bodyFile: string;
  defaultsFile?: string;
  repo?: string;
  number: string;
  branch?: string;
  baseDomain?: string;
  json?: boolean;
}

/** A problem with how the command was called: exit 2, message on stderr. */
class UsageProblem extends Error {}

/**
 * `sbx settings explain`: what a PR description does to its sandbox. Exit 0
 * without settings errors, 1 with settings errors, 2 for usage errors.
 */
export function registerSettingsExplain(program: Command, ctx: CliContext): void {
  const settings =
    program.commands.find((command) => command.name() === 'settings') ??
    program.command('settings').description('tools for the settings block of PR descriptions');
  settings
    .command('explain')
    .description(
      'show the settings block, merged settings, fields, database mode, slug, domains and errors for a PR description',
    )
    .requiredOption('--body-file <path>', 'file holding the PR description ("-" reads standard input)')
    .option(
      '--defaults-file <path>',
      "YAML mapping used as the repository's default settings (default: the repository's settings in the configuration)",
    )
    .option('--repo <owner/name>', 'repository of the PR (default: the only configured repository)')
    .option('--number <n>', 'PR number', '1')
    .option('--branch <name>', 'PR branch, for slug templates that use {branch}')
    .option('--base-domain <domain>', 'base domain (default: base_domain from the configuration)')
    .option('--json', 'print exactly one JSON object on stdout')
    .action((options: ExplainOptions) => {
      try {
        const explanation = explainFromOptions(options, ctx);
        ctx.stdout.write(options.json ? `${JSON.stringify(explanation)}\n` : renderExplanation(explanation));
        ctx.setExitCode(explanation.errors.length > 0 ? 1 : 0);
      } catch (error) {
        if (
          !(error instanceof UsageProblem) &&
          !isSandboxError(error, 'usage') &&
          !isSandboxError(error, 'config_invalid')
        )
          throw error;
        ctx.stderr.write(`sbx settings explain: ${error.message}\n`);
        ctx.setExitCode(2);
      }
    });
}

function explainFromOptions(options: ExplainOptions, ctx: CliContext): SettingsExplanation {
  if (!/^\d+$/.test(options.number))
    throw new UsageProblem(`--number "${options.number}" is not a PR number; pass a whole number such as 42`);
  const body = readText(options.bodyFile, '--body-file');
  const config = ctx.config();
  const repository = chooseRepository(options.repo, config);
  const configured = config.repositories.find((entry) => entry.name.toLowerCase() === repository.toLowerCase());
  if (!configured && !options.defaultsFile) {
    ctx.stderr.write(
      `note: ${repository} is not a configured repository; using empty default settings and the global field defaults\n`,
    );
  }
  const baseDomain = (options.baseDomain ?? config.base_domain).toLowerCase();
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(baseDomain)) {
    throw new UsageProblem(
      `--base-domain "${options.baseDomain}" is not a DNS name; pass one such as sandbox.example.com`,
    );
  }
  const recipe = describeRecipe(configured);
  return explainSettings({
    body,
    repository,
    number: Number(options.number),
    branch: options.branch,
    baseDomain,
    slugTemplate: config.naming.slug_template,
    configuredRepositories: config.repositories.map((entry) => entry.name),
    repositorySettings: options.defaultsFile
      ? readDefaults(options.defaultsFile)
      : ((configured?.settings ?? {}) as SettingsMap),
    repositoryFields: configured?.fields ?? {},
    globalFields: config.defaults.fields,
    recipeFields: recipe.fields,
    domainPrefixes: recipe.prefixes,
    extraDenyPatterns: [...config.deny_settings, ...(configured?.deny_settings ?? [])],
    repositoryEphemeralDatabases: configured?.ephemeral_databases ?? null,
    globalEphemeralDatabases: config.defaults.ephemeral_databases,
    allowedFlavors: config.compute.openstack ? allowedFlavors(config.compute.openstack) : null,
  });
}

function chooseRepository(repo: string | undefined, config: Config): string {
  if (repo !== undefined) {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo))
      throw new UsageProblem(`--repo "${repo}" is not owner/name; write it like edx/edx-platform`);
    return repo;
  }
  const [only, ...others] = config.repositories;
  if (only && others.length === 0) return only.name;
  const known = config.repositories.map((entry) => entry.name).join(', ');
  throw new UsageProblem(
    config.repositories.length === 0
      ? 'pass --repo owner/name: the configuration watches no repositories'
      : `pass --repo owner/name: the configuration watches several repositories (${known})`,
  );
}

// The recipe's own declarations: the fields it reads (with defaults and aliases) and its extra domains.
function describeRecipe(repository: RepositoryConfig | undefined): {
  fields: readonly RecipeField[];
  prefixes: string[];
} {
  if (!repository) return { fields: [], prefixes: [] };
  const recipe = recipeDeclarations(repository);
  return { fields: recipe.fields, prefixes: recipe.extraDomainPrefixes };
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageProblem(`cannot read ${flag} ${path}: ${reason}; pass the path of a readable file`);
  }
}

function readDefaults(path: string): SettingsMap {
  // The same YAML rules as a PR's Settings block (`yes` is true), since the two are merged.
  const doc = parseDocument(readText(path, '--defaults-file'), {
    ...settingsYamlOptions,
    uniqueKeys: true,
    prettyErrors: true,
  });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const where = first?.linePos ? ` line ${first.linePos[0].line}, column ${first.linePos[0].col}` : '';
    throw new UsageProblem(`--defaults-file ${path}${where}: ${first?.message.split('\n')[0]}; fix the YAML`);
  }
  const value: unknown = doc.toJS(settingsToJsOptions) ?? {};
  if (!isSettingsMap(value))
    throw new UsageProblem(`--defaults-file ${path} must hold a YAML mapping of settings (NAME: value lines)`);
  return value;
}

function renderExplanation(explanation: SettingsExplanation): string {
  const indent = (text: string) =>
    text
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n');
  const lines: string[] = [];
  lines.push(
    'Settings block:',
    explanation.block === null
      ? '    (none in the PR description)'
      : explanation.block === ''
        ? '    (empty)'
        : indent(explanation.block),
  );
  lines.push('', 'Merged settings (repository defaults, then the PR block):');
  if (explanation.settings) lines.push(indent(stringify(explanation.settings)));
  else
    lines.push(
      explanation.errors.length > 0
        ? '    (not used: the PR has settings errors, so nothing is deployed)'
        : '    (none)',
    );
  lines.push('', 'Fields:');
  const fields = Object.entries(explanation.fields);
  if (fields.length === 0) lines.push('    (none)');
  for (const [name, value] of fields) lines.push(`    ${name}: ${value}`);
  lines.push('', `Databases: ${explanation.databases}`, `Slug: ${explanation.slug}`, 'Domains:');
  for (const domain of explanation.domains) lines.push(`    ${domain}`);
  lines.push('', explanation.errors.length === 0 ? 'Errors: none' : `Errors (${explanation.errors.length}):`);
  for (const error of explanation.errors) lines.push(`    [${error.code}] ${error.message}`);
  return `${lines.join('\n')}\n`;
}
