import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { SandboxError } from '../../core/errors';
import { resolveInstance } from '../../core/operations/resolve-instance';
import { changeTags, parseFieldAssignments, setInstanceFields } from '../../core/operations/tags';
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
    .option('--field <NAME=VALUE>', 'a field value (repeatable), e.g. openedx_release=quince.1', collect, [])
    .option('--json', 'print one JSON object')
    .action(
      async (
        slug: string,
        options: {
          repository: string;
          ref: string;
          repoUrl?: string;
          settingsFile?: string;
          production?: boolean;
          field: string[];
          json?: boolean;
        },
      ) => {
        const fields = parseFieldAssignments(options.field);
        await withRuntime(ctx, async (runtime) => {
          const created = await runCliCommand(runtime, {
            name: 'create',
            slug,
            repository: options.repository,
            ref: options.ref,
            ...(options.repoUrl ? { cloneUrl: options.repoUrl } : {}),
            settings: options.settingsFile ? readSettingsFile(options.settingsFile) : {},
            production: Boolean(options.production),
            deploy: false,
          });
          const instance =
            Object.keys(fields).length === 0
              ? created.instance
              : await setInstanceFields(runtime.provisioning.store, created.instance, { fields, actor: runtime.actor });
          if (options.json) writeJson(ctx, instanceJson(instance));
          else
            ctx.stdout.write(
              `created ${instance.slug} (${instance.domain}); deploy it with: npx sbx deploy ${instance.slug}\n`,
            );
        });
      },
    );

  instances
    .command('list')
    .description('list sandboxes')
    .option('--all', 'include archived ones')
    .option('--tag <tag>', 'only sandboxes with this tag')
    .option('--json', 'print one JSON object')
    .action(async (options: { all?: boolean; tag?: string; json?: boolean }) => {
      await withRuntime(ctx, async (runtime) => {
        const { sandboxes } = await runCliCommand(runtime, {
          name: 'list',
          filter: null,
          archived: Boolean(options.all),
        });
        const tags = await runtime.provisioning.store.tagsByInstance(sandboxes.map(({ view }) => view.instance.id));
        const described = sandboxes
          .map(({ view }) => ({
            ...instanceJson(view.instance, view.appservers),
            tags: tags.get(view.instance.id) ?? [],
          }))
          .filter((i) => !options.tag || i.tags.includes(options.tag));
        if (options.json) return writeJson(ctx, { instances: described });
        if (described.length === 0) return void ctx.stdout.write('no sandboxes\n');
        ctx.stdout.write(
          table([
            ['SLUG', 'STATE', 'ACTIVE', 'DOMAIN', 'TAGS'],
            ...described.map((i) => [
              i.slug,
              i.state,
              i.active === null ? '-' : String(i.active),
              i.domain,
              i.tags.join(',') || '-',
            ]),
          ]),
        );
      });
    });

  instances
    .command('set <instance>')
    .description('change a sandbox’s fields and settings (deep-merged; null removes a key); deploy with `sbx deploy`')
    .option('--field <NAME=VALUE>', 'a field value (repeatable)', collect, [])
    .option('--settings-file <file>', 'YAML mapping merged over its current settings')
    .option('--json', 'print one JSON object')
    .action(async (reference: string, options: { field: string[]; settingsFile?: string; json?: boolean }) => {
      const fields = parseFieldAssignments(options.field);
      if (Object.keys(fields).length === 0 && !options.settingsFile)
        throw new SandboxError('usage', 'nothing to set: give --field NAME=VALUE or --settings-file FILE');
      const settings = options.settingsFile ? readSettingsFile(options.settingsFile) : undefined;
      await withRuntime(ctx, async (runtime) => {
        const instance = await resolveInstance(runtime.provisioning.store, reference);
        const updated = await setInstanceFields(runtime.provisioning.store, instance, {
          fields,
          ...(settings ? { settings } : {}),
          actor: runtime.actor,
        });
        if (options.json) writeJson(ctx, instanceJson(updated));
        else ctx.stdout.write(`updated ${updated.slug}; deploy it with: npx sbx deploy ${updated.slug}\n`);
      });
    });

  for (const verb of ['tag', 'untag'] as const) {
    instances
      .command(`${verb} <instance> <tags...>`)
      .description(verb === 'tag' ? 'add tags to a sandbox' : 'remove tags from a sandbox')
      .action(async (reference: string, given: string[]) => {
        await withRuntime(ctx, async (runtime) => {
          const instance = await resolveInstance(runtime.provisioning.store, reference);
          const tags = await changeTags(runtime.provisioning.store, instance, {
            [verb === 'tag' ? 'add' : 'remove']: given,
            actor: runtime.actor,
          });
          ctx.stdout.write(`${instance.slug}: ${tags.join(', ') || 'no tags'}\n`);
        });
      });
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function readSettingsFile(path: string): SettingsMap {
  let value: unknown;
  try {
    value = parse(readFileSync(path, 'utf8'), { version: '1.1' });
  } catch (error) {
    throw new SandboxError(
      'usage',
      `--settings-file ${path}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new SandboxError('usage', `--settings-file ${path}: expected a YAML mapping`);
  return value as SettingsMap;
}
