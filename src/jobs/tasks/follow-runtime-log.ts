import { z } from 'zod';
import { followRuntimeLog } from '../../core/provisioning/follow-runtime-log';
import { defineTask } from '../define-task';

export const payload = z.object({ appserverId: z.number().int().positive() });
export type Payload = z.input<typeof payload>;

/** Copies a running appserver's new output into its runtime log, then schedules the next copy. */
export const task = defineTask(payload, async (deps, { appserverId }) => {
  const { runtimeLogs, runtimeLogIntervalMs, runtimeLogMaxBytes } = deps.provisioning;
  if (!runtimeLogs || runtimeLogIntervalMs === undefined || runtimeLogMaxBytes === undefined) return;
  await followRuntimeLog({ ...deps.provisioning, runtimeLogs, runtimeLogIntervalMs, runtimeLogMaxBytes }, appserverId);
});
