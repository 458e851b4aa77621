import { z } from 'zod';
import { tickCampaign } from '../../core/campaigns/tick-campaign';
import { defineTask } from '../define-task';

export const payload = z.object({ campaignId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Checks a campaign's progress and starts its next redeploys (then enqueues the next tick). */
export const task = defineTask(payload, async (deps, { campaignId }) => {
  const { store, now, databases } = deps.provisioning;
  await tickCampaign({ store, now, ...(databases ? { databases } : {}) }, campaignId);
});
