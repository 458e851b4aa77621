import { z } from 'zod';
import { sweepRetention } from '../../core/provisioning/retain-appservers';
import { defineTask } from '../define-task';

export const payload = z.object({ _cron: z.unknown().optional() }).loose();
export type Payload = z.input<typeof payload>;

/** Retention for every sandbox (periodic): superseded appservers past `retention.min_age`, failed ones past `retention.failed_min_age`. */
export const task = defineTask(payload, async (deps, _payload, helpers) => {
  const terminated = await sweepRetention(deps.provisioning);
  if (terminated) helpers.logger.info(`retention: terminating ${terminated} appserver(s)`);
});
