import { snapshotDatabases } from '../databases/snapshots';
import { isSandboxError } from '../errors';
import type { Actor } from '../model';
import { requestDeployment } from '../operations/operations';
import { runPreUpgrade } from './pre-upgrade';
import type { Campaign, CampaignItem } from '../ports/campaigns';
import { campaignTags } from './select-instances';
import { campaignPriority, enqueueCampaignReport, enqueueTick, type CampaignDeps } from './start-campaign';

/**
 * One tick of a running campaign: settle the items whose deployment ended
 * (tag `-success` or `-failure`), start the next pending ones in slug order
 * while fewer than `batchSize` are in progress, then finish the campaign or
 * enqueue the next tick `batchFrequency` later. Every change of an item is
 * conditional on its previous state, so a tick run twice (a restart, a
 * second worker) starts nothing twice.
 */
export async function tickCampaign(deps: CampaignDeps, campaignId: number): Promise<void> {
  const campaign = await deps.store.getCampaign(campaignId);
  if (!campaign || (campaign.state !== 'running' && campaign.state !== 'paused')) return;
  await advance(deps, campaign);
  await enqueueCampaignReport(deps.store, campaignId);
}

async function advance(deps: CampaignDeps, campaign: Campaign): Promise<void> {
  const campaignId = campaign.id;
  for (const item of await deps.store.listCampaignItems(campaignId)) {
    if (item.state === 'ongoing') await settleItem(deps, campaign, item);
  }
  let items = await deps.store.listCampaignItems(campaignId);
  if (campaign.state === 'paused') {
    // Paused: nothing new starts, but the redeploys in flight are still settled (resume enqueues a tick of its own).
    if (items.some((i) => i.state === 'ongoing'))
      await enqueueTick(deps.store, campaignId, new Date(deps.now().getTime() + campaign.options.batchFrequencyMs));
    return;
  }
  const room = campaign.options.batchSize - items.filter((i) => i.state === 'ongoing').length;
  const next = items.filter((i) => i.state === 'pending').slice(0, Math.max(0, room));
  const batch = Math.max(0, ...items.map((i) => i.batch ?? 0)) + 1;
  for (const item of next) await startItem(deps, campaign, item, batch);
  items = await deps.store.listCampaignItems(campaignId);
  if (items.some((i) => i.state === 'pending' || i.state === 'ongoing')) {
    await enqueueTick(deps.store, campaignId, new Date(deps.now().getTime() + campaign.options.batchFrequencyMs));
    return;
  }
  const failed = items.some((i) => i.state === 'failed');
  await deps.store.transitionCampaign(campaignId, ['running'], failed ? 'failed' : 'succeeded', deps.now());
}

async function settleItem(deps: CampaignDeps, campaign: Campaign, item: CampaignItem): Promise<void> {
  if (item.deploymentId === null) return;
  const deployment = await deps.store.getDeployment(item.deploymentId);
  if (!deployment || deployment.state === 'pending' || deployment.state === 'running') return;
  const appservers = (await deps.store.listAppservers(item.instanceId)).filter((a) => a.deploymentId === deployment.id);
  const succeeded = deployment.state === 'succeeded';
  const failure =
    deployment.state === 'cancelled'
      ? 'deployment cancelled (superseded or cancelled by a person)'
      : (appservers.at(-1)?.failureReason ?? 'deployment failed');
  const reason = succeeded ? null : `${failure}${restoreHint(item)}`;
  const tags = campaignTags(campaign.tag);
  await deps.store.transaction(async (store) => {
    const settled = await store.updateCampaignItem(item.id, 'ongoing', {
      state: succeeded ? 'succeeded' : 'failed',
      attempts: appservers.length,
      finishedAt: deps.now(),
      failureReason: reason,
    });
    if (!settled) return;
    await store.removeTags(item.instanceId, [tags.ongoing]);
    await store.addTags(item.instanceId, [succeeded ? tags.success : tags.failure]);
  });
}

async function startItem(deps: CampaignDeps, campaign: Campaign, item: CampaignItem, batch: number): Promise<void> {
  const instance = await deps.store.getInstance(item.instanceId);
  if (!instance || instance.archivedAt || instance.deletedAt) {
    await deps.store.updateCampaignItem(item.id, 'pending', {
      state: 'failed',
      batch,
      finishedAt: deps.now(),
      failureReason: 'archived before its turn',
    });
    return;
  }
  const actor: Actor = { surface: campaign.surface as Actor['surface'], id: campaign.requestedBy };
  let snapshotId: number | null = null;
  if (instance.databaseMode === 'persistent' && deps.databases) {
    try {
      snapshotId = (
        await snapshotDatabases({ databases: deps.databases, now: deps.now }, instance, {
          actor,
          reason: `campaign ${campaign.id} (${campaign.tag})`,
        })
      ).id;
    } catch (error) {
      if (!isSandboxError(error) || error.code !== 'not_found') {
        await failBeforeStart(
          deps,
          campaign,
          item,
          batch,
          `snapshot before redeploy failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        return;
      }
    }
  }
  if (campaign.options.preUpgrade.length > 0) {
    try {
      const runs = await runPreUpgrade(
        deps.databases,
        instance,
        campaign.options.preUpgrade,
        `campaign-${campaign.id}-item-${item.id}`,
      );
      await deps.store.recordAudit({
        actor: actor.id,
        surface: actor.surface,
        action: 'campaign_pre_upgrade',
        instanceId: instance.id,
        instanceSlug: instance.slug,
        result: 'ok',
        detail: {
          campaignId: campaign.id,
          databases: runs.map((run) => run.database),
          // A tick repeated after a crash finds the run marked done on the server and does not run it again.
          alreadyDone: runs.filter((run) => run.result === 'already_done').map((run) => run.database),
          statements: campaign.options.preUpgrade,
        },
      });
    } catch (error) {
      const reason = `--pre-upgrade failed: ${error instanceof Error ? error.message : String(error)}`;
      await deps.store.recordAudit({
        actor: actor.id,
        surface: actor.surface,
        action: 'campaign_pre_upgrade',
        instanceId: instance.id,
        instanceSlug: instance.slug,
        result: 'error',
        detail: { campaignId: campaign.id, reason, statements: campaign.options.preUpgrade },
      });
      await failBeforeStart(
        deps,
        campaign,
        item,
        batch,
        `${reason}${restoreHint({ ...item, snapshotId })}`,
        snapshotId,
      );
      return;
    }
  }
  await deps.store.transaction(async (store) => {
    const claimed = await store.updateCampaignItem(item.id, 'pending', {
      state: 'ongoing',
      batch,
      startedAt: deps.now(),
      snapshotId,
    });
    if (!claimed) return;
    await store.lockInstance(instance.id);
    const updated =
      Object.keys(campaign.options.update).length === 0
        ? instance
        : await store.updateInstance(instance.id, { fields: { ...instance.fields, ...campaign.options.update } });
    await store.addTags(instance.id, [campaignTags(campaign.tag).ongoing]);
    const deployment = await requestDeployment({ store, now: deps.now }, updated, {
      actor,
      attempts: campaign.options.numAttempts,
      activateOnSuccess: campaign.options.activate,
      priority: campaignPriority,
    });
    await store.updateCampaignItem(item.id, 'ongoing', { deploymentId: deployment.id });
  });
}

/** An item that failed before its deploy (snapshot, --pre-upgrade): `-failure`, with the reason. */
async function failBeforeStart(
  deps: CampaignDeps,
  campaign: Campaign,
  item: CampaignItem,
  batch: number,
  reason: string,
  snapshotId: number | null = null,
): Promise<void> {
  await deps.store.transaction(async (store) => {
    const failed = await store.updateCampaignItem(item.id, 'pending', {
      state: 'failed',
      batch,
      snapshotId,
      startedAt: deps.now(),
      finishedAt: deps.now(),
      failureReason: reason,
    });
    if (failed) await store.addTags(item.instanceId, [campaignTags(campaign.tag).failure]);
  });
}

/** How to get the data back after a failed redeploy of an instance whose databases were snapshotted first. */
export function restoreHint(item: Pick<CampaignItem, 'slug' | 'snapshotId'>): string {
  return item.snapshotId === null
    ? ''
    : `; snapshot ${item.snapshotId} holds its databases from before: npx sbx db restore ${item.slug} ${item.snapshotId}`;
}
