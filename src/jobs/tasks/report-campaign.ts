import { z } from 'zod';
import { defineTask } from '../define-task';

export const payload = z.object({ campaignId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/**
 * Brings every surface that shows campaigns (Slack's progress message and
 * the failure channel) up to date with one campaign. Each reporter runs even
 * when another fails; a failure fails the job, and Graphile retries it (the
 * next tick reports again anyway).
 */
export const task = defineTask(payload, async (deps, { campaignId }) => {
  const failures: string[] = [];
  for (const reporter of deps.reporters) {
    if (!reporter.reportCampaign) continue;
    try {
      await reporter.reportCampaign(campaignId);
    } catch (error) {
      deps.logger.warn({ err: error, reporter: reporter.name, campaignId }, 'reporting a campaign failed');
      failures.push(`${reporter.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length) throw new Error(`reporting campaign ${campaignId} failed: ${failures.join('; ')}`);
});
