import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { SandboxError } from '../../core/errors';
import type { SettingsMap } from '../../core/settings';
import type { CliContext } from '../context';
import { instanceJson, table } from '../present';
import { runCliCommand } from '../run-cli-command';
import { withRuntime, writeJson } from '../runtime';

export function registerInstances(program: Command, ctx: CliContext): void {
  const instances = program.command('instances').description('sandboxes: create, list, archive, restore and delete');

  instances
    .command('create <slug>')
    .description('create a manual sandbox from a configured repository (deploy it with `sbx deploy <slug>`)')
    .requiredOption('--repository <owner/name>', 'configured repository whose recipe and defaults it uses')
    .requiredOption('--ref <ref>', 'branch, tag or commit to deploy')
    .option('--repo-url <url>', 'clone URL instead of the repository’s')
    .option('--settings-file <file>', 'YAML mapping merged over the repository’s default settings')
    .option('--production', 'mark as production (delete then needs --force)')
    .option('--json', 'print one JSON object')
    .action(async (slug: string, options: { repository: string; ref: string; repoUrl?: string; settingsFile?: string; production?: boolean; json?: boolean }) => {
      await withRuntime(ctx, async (runtime) => {
        const { instance } = await runCliCommand(runtime, {
          name: 'create',
          slug,
          repository: options.repository,
          ref: options.ref,
          ...(options.repoUrl ? { cloneUrl: options.repoUrl } : {}),
          settings: options.settingsFile ? readSettingsFile(options.settingsFile) : {},
          production: Boolean(options.production),
          deploy: false,
        });
        if (options.json) writeJson(ctx, instanceJson(instance));
        else ctx.stdout.write(`created ${instance.slug} (${instance.domain}); deploy it with: npx sbx deploy ${instance.slug}\n`);
      });
    });

  instances
    .command('list')
    .description('list sandboxes')
    .option('--all', 'include archived ones')
    .option('--json', 'print one JSON object')
    .action(async (options: { all?: boolean; json?: boolean }) => {
      await withRuntime(ctx, async (runtime) => {
        const { sandboxes } = await runCliCommand(runtime, { name: 'list', filter: null, archived: Boolean(options.all) });
        const described = sandboxes.map(({ view }) => instanceJson(view.instance, view.appservers));
        if (options.json) return writeJson(ctx, { instances: described });
        if (described.length === 0) return void ctx.stdout.write('no sandboxes\n');
        ctx.stdout.write(table([['SLUG', 'STATE', 'ACTIVE', 'DOMAIN'], ...described.map((i) => [i.slug, i.state, i.active === null ? '-' : String(i.active), i.domain])]));
      });
    });
}

function readSettingsFile(path: string): SettingsMap {
  let value: unknown;
  try {
    value = parse(readFileSync(path, 'utf8'), { version: '1.1' });
  } catch (error) {
    throw new SandboxError('usage', `--settings-file ${path}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new SandboxError('usage', `--settings-file ${path}: expected a YAML mapping`);
  return value as SettingsMap;
}

