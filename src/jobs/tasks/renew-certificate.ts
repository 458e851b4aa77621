import { z } from 'zod';
import { defineTask } from '../define-task';

export const payload = z.object({ _cron: z.unknown().optional() }).loose();
export type Payload = z.input<typeof payload>;

/**
 * Periodic (load_balancer.tls.acme): obtains a new certificate when the
 * stored one expires within `renew_before`, and rotates this process's load
 * balancers to it; without ACME there is nothing to do.
 */
export const task = defineTask(payload, async (deps, _payload, helpers) => {
  if (!deps.certificates) return;
  const result = await deps.certificates.renew();
  if (result === 'renewed') helpers.logger.info('tls: certificate renewed through ACME and rotated');
  if (result === 'busy') helpers.logger.info('tls: another process is renewing the certificate');
});
