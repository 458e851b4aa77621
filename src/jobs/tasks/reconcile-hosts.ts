import { z } from 'zod';
import { followRunningAppservers } from '../../core/provisioning/follow-runtime-log';
import { findDrift, healDrift } from '../../core/provisioning/reconcile';
import { defineTask } from '../define-task';

export const payload = z.object({ _cron: z.unknown().optional() }).loose();
export type Payload = z.input<typeof payload>;

/**
 * Compares the database with hosts and routes and heals the drift (crontab,
 * and at start); running appservers without a runtime log follower (running
 * before an upgrade) get one.
 */
export const task = defineTask(payload, async (deps) => {
  await followRunningAppservers(deps.provisioning);
  const drift = await findDrift(deps.provisioning);
  await healDrift(
    deps.provisioning,
    drift.filter((item) => item.kind !== 'unreachable_host'),
  );
});
