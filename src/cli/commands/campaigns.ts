import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { controlCampaign } from '../../core/campaigns/control-campaign';
import { campaignDefaults, planCampaign, startCampaign } from '../../core/campaigns/start-campaign';
import { parseDuration } from '../../core/duration';
import { SandboxError } from '../../core/errors';
import type { Campaign, CampaignItem } from '../../core/ports/campaigns';
import type { Store } from '../../core/ports/store';
import type { CliContext } from '../context';
import { table } from '../present';
import { withRuntime, writeJson } from '../runtime';

interface RedeployOptions {
  tag: string;
  filter?: string;
  exclude?: string;
  update?: string;
  preUpgrade?: string;
  batchSize: string;
  batchFrequency: string;
  numAttempts: string;
  activate: boolean;
  force?: boolean;
  showInstances?: boolean;
  json?: boolean;
}

/** `sbx redeploy --tag T …` (a campaign, SPEC §7) and `sbx campaigns list|show|pause|resume|cancel`. */
export function registerCampaigns(program: Command, ctx: CliContext): void {
  program
    .command('redeploy')
    .description(
      'redeploy many sandboxes in batches (a campaign); tags them <tag>-ongoing, then <tag>-success or <tag>-failure',
    )
    .requiredOption('--tag <tag>', 'the campaign’s tag')
    .option('--filter <yaml|@file>', 'mapping of fields (and repository, kind, tag) that must all match')
    .option('--exclude <yaml|@file>', 'mapping of which any match excludes a sandbox')
    .option('--update <yaml|@file>', 'field values set on each sandbox just before its redeploy')
    .option(
      '--pre-upgrade <yaml|@file>',
      'YAML list of SQL statements run on each sandbox’s persistent MySQL databases just before its redeploy',
    )
    .option('--batch-size <n>', 'sandboxes in progress at once', String(campaignDefaults.batchSize))
    .option('--batch-frequency <duration>', 'how often progress is checked and the next ones start', '600s')
    .option('--num-attempts <n>', 'fresh appservers tried per sandbox', String(campaignDefaults.numAttempts))
    .option('--no-activate', 'do not activate the new appservers')
    .option('--force', 'start without asking')
    .option('--show-instances', 'list the eligible sandboxes and change nothing')
    .option('--json', 'print one JSON object')
    .action(async (options: RedeployOptions) => {
      const campaignOptions = {
        filter: readMapping('--filter', options.filter),
        exclude: readMapping('--exclude', options.exclude),
        update: Object.fromEntries(
          Object.entries(readMapping('--update', options.update)).map(([k, v]) => [k, String(v)]),
        ),
        preUpgrade: options.preUpgrade ? readList('--pre-upgrade', options.preUpgrade) : [],
        batchSize: Number(options.batchSize),
        batchFrequencyMs: parseDuration(options.batchFrequency),
        numAttempts: Number(options.numAttempts),
        activate: options.activate,
      };
      await withRuntime(ctx, async (runtime) => {
        const store = runtime.provisioning.store;
        const chosen = await planCampaign(store, {
          tag: options.tag,
          filter: campaignOptions.filter,
          exclude: campaignOptions.exclude,
        });
        const slugs = chosen.map((i) => i.slug);
        if (options.showInstances) {
          if (options.json) return writeJson(ctx, { instances: slugs });
          return void ctx.stdout.write(slugs.length === 0 ? 'no eligible sandboxes\n' : `${slugs.join('\n')}\n`);
        }
        if (!options.force) {
          ctx.stderr.write(
            `campaign ${options.tag}: redeploy ${slugs.length} sandbox(es) in batches of ${campaignOptions.batchSize}, checked every ${options.batchFrequency}, ${campaignOptions.numAttempts} attempt(s) each${campaignOptions.activate ? '' : ', without activating'}${campaignOptions.preUpgrade.length ? `, running ${campaignOptions.preUpgrade.length} SQL statement(s) on its MySQL databases first` : ''}${Object.keys(campaignOptions.update).length ? `, setting ${Object.keys(campaignOptions.update).join(', ')}` : ''}:\n  ${slugs.join(', ') || '(none)'}\n`,
          );
          if (!(await confirm(ctx)))
            throw new SandboxError('force_required', 'not confirmed; nothing started (answer y, or pass --force)');
        }
        const campaign = await startCampaign(
          { store, now: runtime.provisioning.now },
          { tag: options.tag, options: campaignOptions, actor: runtime.actor },
        );
        if (options.json) return writeJson(ctx, await campaignJson(store, campaign));
        ctx.stdout.write(
          `started campaign ${campaign.id} (${campaign.tag}) for ${slugs.length} sandbox(es); follow it with: npx sbx campaigns show ${campaign.id}\n`,
        );
      });
    });

  const campaigns = program.command('campaigns').description('bulk redeploys: list, show, pause, resume, cancel');
  campaigns
    .command('list')
    .option('--json', 'print one JSON object')
    .action(async (options: { json?: boolean }) => {
      await withRuntime(ctx, async (runtime) => {
        const store = runtime.provisioning.store;
        const all = await Promise.all((await store.listCampaigns()).map((c) => campaignJson(store, c)));
        if (options.json) return writeJson(ctx, { campaigns: all });
        if (all.length === 0) return void ctx.stdout.write('no campaigns\n');
        ctx.stdout.write(
          table([
            ['ID', 'TAG', 'STATE', 'DONE', 'CREATED'],
            ...all.map((c) => [
              String(c.id),
              c.tag,
              c.state,
              `${c.items.filter((i) => isDone(i.state)).length}/${c.items.length}`,
              c.created_at,
            ]),
          ]),
        );
      });
    });
  campaigns
    .command('show <id>')
    .option('--json', 'print one JSON object')
    .action(async (id: string, options: { json?: boolean }) => {
      await withRuntime(ctx, async (runtime) => {
        const store = runtime.provisioning.store;
        const campaign = await store.getCampaign(campaignId(id));
        if (!campaign) throw new SandboxError('not_found', `no campaign ${id} (sbx campaigns list)`);
        const json = await campaignJson(store, campaign);
        if (options.json) return writeJson(ctx, json);
        const done = json.items.filter((i) => isDone(i.state)).length;
        ctx.stdout.write(`campaign ${json.id} (${json.tag}): ${json.state}\n${progressBar(done, json.items.length)}\n`);
        ctx.stdout.write(
          table([
            ['INSTANCE', 'STATE', 'BATCH', 'ATTEMPTS', 'REASON'],
            ...json.items.map((i) => [
              i.instance,
              i.state,
              i.batch === null ? '-' : String(i.batch),
              String(i.attempts),
              i.failure_reason ?? '',
            ]),
          ]),
        );
      });
    });
  for (const control of ['pause', 'resume', 'cancel'] as const) {
    campaigns.command(`${control} <id>`).action(async (id: string) => {
      await withRuntime(ctx, async (runtime) => {
        const campaign = await controlCampaign(
          { store: runtime.provisioning.store, now: runtime.provisioning.now },
          campaignId(id),
          control,
          runtime.actor,
        );
        ctx.stdout.write(`campaign ${campaign.id} (${campaign.tag}) is ${campaign.state}\n`);
      });
    });
  }
}

const isDone = (state: CampaignItem['state']) => state === 'succeeded' || state === 'failed' || state === 'cancelled';

/** The campaign as scripts read it (`campaigns show --json`, `redeploy --json`). */
export async function campaignJson(store: Store, campaign: Campaign) {
  const items = await store.listCampaignItems(campaign.id);
  return {
    id: campaign.id,
    tag: campaign.tag,
    state: campaign.state,
    created_at: campaign.createdAt.toISOString(),
    finished_at: campaign.finishedAt?.toISOString() ?? null,
    items: items.map((i) => ({
      instance: i.slug,
      state: i.state,
      batch: i.batch,
      attempts: i.attempts,
      started_at: i.startedAt?.toISOString() ?? null,
      finished_at: i.finishedAt?.toISOString() ?? null,
      failure_reason: i.failureReason,
      snapshot_id: i.snapshotId,
    })),
  };
}

function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

function campaignId(text: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1) throw new SandboxError('usage', `campaign id must be a number, not ${text}`);
  return id;
}

async function confirm(ctx: CliContext): Promise<boolean> {
  const input = ctx.stdin ?? process.stdin;
  const reader = createInterface({ input, output: ctx.stderr, terminal: false });
  try {
    const answer = await reader.question('start it? [y/N] ');
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    reader.close();
  }
}

function readYaml(flag: string, text: string): unknown {
  const source = text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text;
  try {
    return parse(source);
  } catch (error) {
    throw new SandboxError(
      'usage',
      `${flag}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
}

/** A YAML mapping, inline (`openedx_release: z.1`, or `NAME=VALUE`) or from `@file`. */
function readMapping(flag: string, text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  if (!text.startsWith('@') && /^[A-Za-z_][A-Za-z0-9_]*=/.test(text))
    return { [text.slice(0, text.indexOf('='))]: text.slice(text.indexOf('=') + 1) };
  const value = readYaml(flag, text);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new SandboxError('usage', `${flag}: expected a YAML mapping, e.g. "openedx_release: quince.1"`);
  return value as Record<string, unknown>;
}

function readList(flag: string, text: string): string[] {
  const value = readYaml(flag, text);
  if (!Array.isArray(value)) throw new SandboxError('usage', `${flag}: expected a YAML list of SQL statements`);
  return value.map(String);
}
