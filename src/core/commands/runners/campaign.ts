import { controlCampaign } from '../../campaigns/control-campaign';
import { planCampaign, startCampaign, validateOptions } from '../../campaigns/start-campaign';
import { SandboxError } from '../../errors';
import type { Campaign } from '../../ports/campaigns';
import type { Store } from '../../ports/store';
import { readTogether } from '../../read-together';
import type { CampaignFacts, Runner } from './types';

/**
 * A bulk redeploy, from every surface alike: without `start`, the sandboxes
 * it would redeploy now (what a surface shows before asking "start it?");
 * with `start`, the campaign recorded with its first tick queued.
 */
export const campaign: Runner<'campaign'> = async (deps, request) => {
  const { tag, options, start } = request.command;
  validateOptions(options);
  if (!start) {
    const chosen = await planCampaign(deps.store, { tag, filter: options.filter, exclude: options.exclude });
    return { name: 'campaign', tag, options, instances: chosen.map((i) => i.slug), started: null };
  }
  const started = await factsOf(
    deps.store,
    await startCampaign({ store: deps.store, now: deps.now }, { tag, options, actor: request.actor }),
  );
  return { name: 'campaign', tag, options, instances: started.items.map((i) => i.slug), started };
};

/** Pauses, resumes or cancels a campaign. */
export const campaignControl: Runner<'campaign_control'> = async (deps, request) => {
  const { campaign: id, control } = request.command;
  const changed = await controlCampaign({ store: deps.store, now: deps.now }, id, control, request.actor);
  return { name: 'campaign_control', control, campaign: await factsOf(deps.store, changed) };
};

/** One campaign with its items, or every campaign (newest first). */
export const campaigns: Runner<'campaigns'> = async (deps, request) => {
  const id = request.command.campaign;
  if (id === null)
    return {
      name: 'campaigns',
      campaigns: await readTogether(
        deps.store,
        (await deps.store.listCampaigns()).map((c) => () => factsOf(deps.store, c)),
      ),
    };
  const found = await deps.store.getCampaign(id);
  if (!found) throw new SandboxError('not_found', `no campaign ${id} (sbx campaigns list)`);
  return { name: 'campaigns', campaigns: [await factsOf(deps.store, found)] };
};

async function factsOf(store: Store, campaign: Campaign): Promise<CampaignFacts> {
  return { campaign, items: await store.listCampaignItems(campaign.id) };
}
