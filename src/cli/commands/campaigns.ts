import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { campaignDefaults } from '../../core/campaigns/campaign-defaults';
import type { CampaignFacts } from '../../core/commands/runners';
import { parseDuration } from '../../core/duration';
import { SandboxError } from '../../core/errors';
import type { CampaignItem } from '../../core/ports/campaigns';
import type { Store } from '../../core/ports/store';
import type { CliContext } from '../context';
import { table } from '../present';
import { createProgress, type Progress } from '../progress';
import { runCliCommand } from '../run-cli-command';
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
        const request = { name: 'campaign', tag: options.tag, options: campaignOptions } as const;
        const plan = await runCliCommand(runtime, { ...request, start: false });
        const slugs = plan.instances;
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
        const { started } = await runCliCommand(runtime, { ...request, start: true });
        const campaign = started!.campaign;
        if (options.json) return writeJson(ctx, factsJson(started!));
        ctx.stdout.write(
          `started campaign ${campaign.id} (${campaign.tag}) for ${started!.items.length} sandbox(es); follow it with: npx sbx campaigns show ${campaign.id} --follow\n`,
        );
      });
    });

  const campaigns = program.command('campaigns').description('bulk redeploys: list, show, pause, resume, cancel');
  campaigns
    .command('list')
    .option('--json', 'print one JSON object')
    .action(async (options: { json?: boolean }) => {
      await withRuntime(ctx, async (runtime) => {
        const answer = await runCliCommand(runtime, { name: 'campaigns', campaign: null });
        const all = answer.campaigns.map(factsJson);
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
    .option('--follow', 'show progress (a bar on a terminal) until the campaign ends or is paused, then the table')
    .action(async (id: string, options: { json?: boolean; follow?: boolean }) => {
      await withRuntime(ctx, async (runtime) => {
        // One command, one audit event: --follow's polls read the campaign the command was allowed to see.
        const answer = await runCliCommand(runtime, { name: 'campaigns', campaign: campaignId(id) });
        const facts = options.follow
          ? await followCampaign(ctx, runtime.provisioning.store, answer.campaigns[0]!)
          : answer.campaigns[0]!;
        const json = factsJson(facts);
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
        const answer = await runCliCommand(runtime, { name: 'campaign_control', campaign: campaignId(id), control });
        const { campaign } = answer.campaign;
        ctx.stdout.write(`campaign ${campaign.id} (${campaign.tag}) is ${campaign.state}\n`);
      });
    });
  }
}

/**
 * Polls a campaign until it is no longer running: a bar of finished sandboxes, the ongoing ones as the step.
 * Starts from what the command answered; returns the campaign as it ended (or paused).
 */
async function followCampaign(ctx: CliContext, store: Store, first: CampaignFacts): Promise<CampaignFacts> {
  let bar: Progress | null = null;
  let facts = first;
  try {
    for (;;) {
      const { campaign, items } = facts;
      bar ??= createProgress(ctx, { title: `campaign ${campaign.id} (${campaign.tag})`, total: items.length });
      const done = items.filter((i) => isDone(i.state)).length;
      const ongoing = items.filter((i) => i.state === 'ongoing').map((i) => i.slug);
      const failed = items.filter((i) => i.state === 'failed').length;
      const step =
        campaign.state === 'running'
          ? `${ongoing.length ? `redeploying ${ongoing.join(', ')}` : 'waiting for the next batch'}${failed ? `; ${failed} failed` : ''}`
          : `${campaign.state}${failed ? `; ${failed} failed` : ''}`;
      bar.update(done, step, `campaign ${campaign.id}: ${done}/${items.length} done; ${step}`);
      if (campaign.state !== 'running') return facts;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      facts = await readCampaign(store, campaign.id);
    }
  } finally {
    bar?.stop();
  }
}

const isDone = (state: CampaignItem['state']) => state === 'succeeded' || state === 'failed' || state === 'cancelled';

async function readCampaign(store: Store, id: number): Promise<CampaignFacts> {
  const campaign = await store.getCampaign(id);
  if (!campaign) throw new SandboxError('not_found', `campaign ${id} is gone`);
  return { campaign, items: await store.listCampaignItems(id) };
}

/** The campaign as scripts read it (`campaigns show --json`, `campaigns list --json`, `redeploy --json`). */
function factsJson({ campaign, items }: CampaignFacts) {
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
