import { SandboxError } from '../errors';
import type { Actor } from '../model';
import type { Campaign, CampaignState } from '../ports/campaigns';
import { campaignTags } from './select-instances';
import { enqueueCampaignReport, enqueueTick, type CampaignDeps } from './start-campaign';

type Control = 'pause' | 'resume' | 'cancel';

const allowed: Record<Control, { from: CampaignState[]; to: CampaignState }> = {
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['running', 'paused'], to: 'cancelled' },
};

/**
 * Pauses (no new redeploys; those in progress finish and are settled), resumes (a tick at
 * once) or cancels a campaign: pending items are cancelled, and items in
 * progress are let go (their deploys finish on their own, `-ongoing` is removed).
 */
export async function controlCampaign(
  deps: CampaignDeps,
  campaignId: number,
  control: Control,
  actor: Actor,
): Promise<Campaign> {
  const rule = allowed[control];
  return deps.store.transaction(async (store) => {
    const current = await store.getCampaign(campaignId);
    if (!current) throw new SandboxError('not_found', `no campaign ${campaignId} (sbx campaigns list)`);
    const changed = await store.transitionCampaign(
      campaignId,
      rule.from,
      rule.to,
      control === 'cancel' ? deps.now() : undefined,
    );
    if (!changed)
      throw new SandboxError(
        'conflict',
        `campaign ${campaignId} is ${current.state}; only a ${rule.from.join(' or ')} campaign can be ${control === 'pause' ? 'paused' : control === 'resume' ? 'resumed' : 'cancelled'}`,
      );
    if (control === 'resume') await enqueueTick(store, campaignId, deps.now());
    if (control === 'cancel') {
      for (const item of await store.listCampaignItems(campaignId)) {
        if (item.state !== 'pending' && item.state !== 'ongoing') continue;
        const done = await store.updateCampaignItem(item.id, item.state, {
          state: 'cancelled',
          finishedAt: deps.now(),
          failureReason: 'campaign cancelled',
        });
        if (done && item.state === 'ongoing')
          await store.removeTags(item.instanceId, [campaignTags(current.tag).ongoing]);
      }
    }
    await enqueueCampaignReport(store, campaignId);
    await store.recordAudit({
      actor: actor.id,
      surface: actor.surface,
      action: `campaign_${control}`,
      result: 'ok',
      detail: { campaignId },
    });
    return changed;
  });
}
