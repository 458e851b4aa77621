import { z } from 'zod';
import { sweepExpiry } from '../../core/expiry/sweep-expiry';
import { createExpiryPolicy } from '../../infra/expiry-policy';
import { defineTask } from '../define-task';

export const payload = z.object({ _cron: z.unknown().optional() }).loose();
export type Payload = z.input<typeof payload>;

/** Archives sandboxes idle past their TTL and warns, once, those about to be (periodic). */
export const task = defineTask(payload, async (deps, _payload, helpers) => {
  const swept = await sweepExpiry({
    store: deps.provisioning.store,
    policy: createExpiryPolicy(deps.config),
    now: deps.provisioning.now,
  });
  if (swept.expired.length || swept.warned.length)
    helpers.logger.info(
      `expiry: archived ${swept.expired.join(', ') || 'none'}; warned ${swept.warned.join(', ') || 'none'}`,
    );
});
