import { z } from 'zod';
import { probeUptime } from '../../core/uptime/probe-uptime';
import { defineTask } from '../define-task';

export const payload = z.object({ _cron: z.unknown().optional() }).loose();
export type Payload = z.input<typeof payload>;

/** Probes every active, awake sandbox through the load balancer; reports those that went down or came back (periodic). */
export const task = defineTask(payload, async (deps, _payload, helpers) => {
  const { uptime } = deps.config;
  if (!uptime.enabled) return;
  if (!deps.uptimeUrl) {
    helpers.logger.warn(
      'uptime: no load balancer address to probe through; set uptime.url (a load balancer on another host)',
    );
    return;
  }
  const swept = await probeUptime({
    store: deps.provisioning.store,
    probe: deps.provisioning.probe,
    logger: deps.logger,
    now: deps.provisioning.now,
    baseUrl: deps.uptimeUrl,
    failuresToDown: uptime.failures,
    timeoutMs: uptime.timeout,
    signal: helpers.abortSignal,
  });
  if (swept.down.length || swept.up.length)
    helpers.logger.info(`uptime: down ${swept.down.join(', ') || 'none'}; up again ${swept.up.join(', ') || 'none'}`);
});
