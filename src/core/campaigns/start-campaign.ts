import type { DatabaseDeps } from '../databases/deps';
import { SandboxError } from '../errors';
import type { Actor, Instance } from '../model';
import type { Campaign, CampaignOptions } from '../ports/campaigns';
import type { Store } from '../ports/store';
import { readTogether } from '../read-together';
import { selectInstances } from './select-instances';

/** What campaign work needs, handed in by the composition root. */
export interface CampaignDeps {
  store: Store;
  now(): Date;
  /** Persistent databases: a campaign snapshots an instance's MySQL databases before redeploying it. */
  databases?: DatabaseDeps;
}

/**
 * Graphile priority of campaign jobs (ticks and their deploys). Interactive
 * work (PR, Slack, CLI, web) runs at 0; the worker takes lower numbers first,
 * so a PR deploy never waits behind a campaign's queue.
 */
export const campaignPriority = 10;

export { campaignDefaults } from './campaign-defaults';

/** The instances a campaign would redeploy now, in slug order (`--show-instances`). */
export async function planCampaign(
  store: Store,
  options: { tag: string; filter: Record<string, unknown>; exclude: Record<string, unknown> },
): Promise<Instance[]> {
  validateTag(options.tag);
  const [instances, tags, everRunning] = await readTogether(store, [
    () => store.listInstances(),
    () => store.tagsByInstance(),
    () => store.instancesEverRunning(),
  ]);
  const candidates = instances.map((instance) => ({
    instance,
    tags: tags.get(instance.id) ?? [],
    everRunning: everRunning.has(instance.id),
  }));
  return selectInstances(candidates, options);
}

/** Records a campaign and its items (the eligible instances, in slug order) and enqueues its first tick, in one transaction. */
export async function startCampaign(
  deps: CampaignDeps,
  request: { tag: string; options: CampaignOptions; actor: Actor },
): Promise<Campaign> {
  validateOptions(request.options);
  const chosen = await planCampaign(deps.store, {
    tag: request.tag,
    filter: request.options.filter,
    exclude: request.options.exclude,
  });
  if (chosen.length === 0)
    throw new SandboxError(
      'not_found',
      `no sandbox is eligible for a campaign tagged ${request.tag} (eligible: not archived, deployed successfully once, not tagged ${request.tag}-ongoing/-success/-failure, and matching --filter)`,
    );
  return deps.store.transaction(async (store) => {
    const campaign = await store.insertCampaign(
      { tag: request.tag, options: request.options, requestedBy: request.actor.id, surface: request.actor.surface },
      chosen.map((instance) => ({ instanceId: instance.id, slug: instance.slug })),
    );
    await enqueueTick(store, campaign.id, deps.now());
    await enqueueCampaignReport(store, campaign.id);
    await store.recordAudit({
      actor: request.actor.id,
      surface: request.actor.surface,
      action: 'campaign_start',
      result: 'ok',
      detail: { campaignId: campaign.id, tag: request.tag, instances: chosen.length },
    });
    return campaign;
  });
}

/** The campaign's next tick; one pending tick per campaign (the latest wins). */
export async function enqueueTick(store: Store, campaignId: number, runAt: Date): Promise<void> {
  await store.enqueue(
    'tick_campaign',
    { campaignId },
    { queueName: `campaign:${campaignId}`, jobKey: `campaign:${campaignId}`, runAt, priority: campaignPriority },
  );
}

/** Tells the surfaces (Slack's progress message and failure channel) about the campaign; one pending report per campaign. */
export async function enqueueCampaignReport(store: Store, campaignId: number): Promise<void> {
  await store.enqueue(
    'report_campaign',
    { campaignId },
    { queueName: `report-campaign:${campaignId}`, jobKey: `report-campaign:${campaignId}` },
  );
}

function validateTag(tag: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(tag))
    throw new SandboxError('usage', `invalid tag "${tag}": use letters, digits, ".", "_" and "-" (at most 63)`);
}

/** Refuses options out of range (`usage`), before anything is planned or recorded. */
export function validateOptions(options: CampaignOptions): void {
  const whole = (value: number, low: number, high: number, name: string) => {
    if (!Number.isInteger(value) || value < low || value > high)
      throw new SandboxError('usage', `${name} must be a whole number from ${low} to ${high}, not ${value}`);
  };
  whole(options.batchSize, 1, 100, '--batch-size');
  whole(options.numAttempts, 1, 10, '--num-attempts');
  if (!Number.isFinite(options.batchFrequencyMs) || options.batchFrequencyMs < 1_000)
    throw new SandboxError('usage', '--batch-frequency must be at least 1s');
  if (options.preUpgrade.some((statement) => statement.trim() === ''))
    throw new SandboxError('usage', '--pre-upgrade: a statement is empty');
}
