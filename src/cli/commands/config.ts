import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { renderConfigurationDocs } from '../../config/render-docs';
import { renderFieldsTable, renderSettingsDocs } from '../../infra/recipes/render-field-docs';
import type { Config } from '../../config/schema';
import type { SettingsValue } from '../../core/settings';
import { maskSecretSettings } from '../../core/settings/mask-secret-settings';
import type { CliContext } from '../context';
import { recipeProblems } from '../../infra/recipes';

const secretPaths = [
  ['github', 'private_key'],
  ['github', 'webhook_secret'],
  ['github', 'client_secret'],
  ['slack', 'bot_token'],
  ['slack', 'signing_secret'],
  ['slack', 'app_token'],
  ['web', 'auth', 'session_secret'],
  ['web', 'auth', 'local_token'],
] as const;

/** A copy of the configuration with every secret replaced by `***` (the database password and secret repository settings too). */
export function maskSecrets(config: Config): Record<string, unknown> {
  const copy = structuredClone(config) as unknown as Record<string, Record<string, unknown>>;
  for (const path of secretPaths) {
    let node: Record<string, unknown> | undefined = copy;
    for (const key of path.slice(0, -1)) node = node?.[key] as Record<string, unknown> | undefined;
    const last = path[path.length - 1]!;
    if (node && node[last]) node[last] = '***';
  }
  const database = copy.database as { url: string | null };
  if (database.url) {
    try {
      const url = new URL(database.url);
      if (url.password) url.password = '***';
      database.url = url.toString();
    } catch {
      database.url = '***';
    }
  }
  const repositories = copy.repositories as unknown as { settings: SettingsValue; secret_settings: string[] }[];
  for (const repository of repositories)
    repository.settings = maskSecretSettings(repository.settings, repository.secret_settings);
  return copy;
}

export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('configuration tools');
  config
    .command('check')
    .description('validate the configuration and print it with secrets masked (exit 2 when invalid)')
    .option('--json', 'print JSON instead of YAML')
    .action((options: { json?: boolean }) => {
      const loaded = ctx.config();
      // A recipe that cannot deploy is as bad as a schema error: say so, and exit 2.
      const problems = recipeProblems(loaded);
      if (problems.length > 0) {
        ctx.stderr.write(
          `invalid configuration: repositories that cannot deploy:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\n`,
        );
        ctx.setExitCode(2);
        return;
      }
      const masked = maskSecrets(loaded);
      ctx.stdout.write(options.json ? `${JSON.stringify(masked)}\n` : stringify(masked));
    });
  config
    .command('docs')
    .description(
      'print docs/configuration.md as generated from the schema (with --settings: the fields table of docs/settings.md, from the recipes)',
    )
    .option('--settings', 'docs/settings.md: --write and --check rewrite or compare only its generated fields table')
    .option('--write <path>', 'write to this file')
    .option('--check <path>', 'exit 1 when this file differs from the generated text')
    .action((options: { settings?: boolean; write?: string; check?: string }) => {
      const target = options.write ?? options.check;
      const text = !options.settings
        ? renderConfigurationDocs()
        : target
          ? renderSettingsDocs(readFileSync(target, 'utf8'))
          : `${renderFieldsTable()}\n`;
      if (options.write) writeFileSync(options.write, text);
      else if (options.check) {
        const current = readFileSync(options.check, 'utf8');
        if (current !== text) {
          ctx.stderr.write(`${options.check} is out of date; run \`npm run docs\`\n`);
          ctx.setExitCode(1);
        }
      } else ctx.stdout.write(text);
    });
}
