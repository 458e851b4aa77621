import type { Appserver } from '../model';
import type { HostTransport } from '../ports/host-transport';
import type { RuntimeLogStore } from '../ports/runtime-log';
import type { JobQueue } from '../ports/store';
import { cutLog } from './cut-log';
import type { ProvisioningDeps } from './deps';
import { redactorFor } from './redactor-for';

const readChunkBytes = 128 * 1024;
/** Reads per job: a chatty service is copied over several jobs rather than in one long one. */
const maxRounds = 16;

/** What a runtime log follow job needs beyond provisioning's deps. */
export interface RuntimeLogDeps extends Pick<
  ProvisioningDeps,
  'store' | 'hosts' | 'redactor' | 'databases' | 'now' | 'logger'
> {
  runtimeLogs: RuntimeLogStore;
  /** How often a running appserver's output is copied. */
  runtimeLogIntervalMs: number;
  /** Runtime output kept per appserver; older output is dropped past it (a marker says how much). */
  runtimeLogMaxBytes: number;
}

/** The follow job of the runtime log: one queue per appserver (with its deploy follow), one pending job. */
export const runtimeLogJobOptions = (
  deps: Pick<RuntimeLogDeps, 'now' | 'runtimeLogIntervalMs'>,
  appserverId: number,
) => ({
  queueName: `appserver:${appserverId}`,
  jobKey: `runtime-log:${appserverId}`,
  runAt: new Date(deps.now().getTime() + deps.runtimeLogIntervalMs),
});

/**
 * Starts following the runtime log of every running appserver that has no
 * follow job pending (appservers that were running before the bot had
 * runtime logs, or whose chain ended while their sandbox slept), except
 * those of sleeping sandboxes. A pending follow keeps its run time, so
 * running this again (every reconcile) changes nothing.
 */
export async function followRunningAppservers(
  deps: Pick<ProvisioningDeps, 'store' | 'now' | 'runtimeLogs' | 'runtimeLogIntervalMs'>,
): Promise<number> {
  if (!deps.runtimeLogs || deps.runtimeLogIntervalMs === undefined) return 0;
  const timing = { now: deps.now, runtimeLogIntervalMs: deps.runtimeLogIntervalMs };
  let followed = 0;
  for (const appserver of await deps.store.listAppserversInStates(['running'])) {
    if (appserver.hostId === null || !appserver.workDir) continue;
    const instance = await deps.store.getInstance(appserver.instanceId);
    if (!instance || instance.deletedAt || isAsleep(instance, appserver.id)) continue;
    await resumeRuntimeLog(deps.store, timing, appserver.id);
    followed += 1;
  }
  return followed;
}

/** Queues the follow job of an appserver's runtime log unless one is pending (after a wake, at reconcile). */
export async function resumeRuntimeLog(
  queue: JobQueue,
  deps: Pick<RuntimeLogDeps, 'now' | 'runtimeLogIntervalMs'>,
  appserverId: number,
): Promise<void> {
  await queue.enqueue(
    'follow_runtime_log',
    { appserverId },
    { ...runtimeLogJobOptions(deps, appserverId), jobKeyMode: 'preserve_run_at' },
  );
}

/** A sleeping sandbox's active appserver is stopped on purpose: nothing to poll until it wakes. */
const isAsleep = (instance: { sleepingSince: Date | null; activeAppserverId: number | null }, appserverId: number) =>
  instance.sleepingSince !== null && instance.activeAppserverId === appserverId;

/**
 * Copies a running appserver's new output (deploy.log past the offset where
 * it became healthy) into its runtime log, redacted and exactly once by byte
 * offset, then schedules the next copy. When the appserver is no longer
 * running it copies one last time (if the host still has the file) and stops.
 * More than the cap waiting on the host is skipped to its last `max` bytes,
 * from a line start, so a secret is never cut in two. While its sandbox
 * sleeps the chain ends after one copy (its service is stopped); the wake
 * queues it again.
 */
export async function followRuntimeLog(deps: RuntimeLogDeps, appserverId: number): Promise<'done' | 'continue'> {
  const appserver = await deps.store.getAppserver(appserverId);
  if (!appserver || appserver.hostId === null || !appserver.workDir) return 'done';
  const running = appserver.state === 'running';
  if (!running && appserver.state !== 'terminated' && appserver.state !== 'failed') return 'done';
  const host = await deps.store.getHost(appserver.hostId);
  if (!host) return 'done';
  const state =
    (await deps.runtimeLogs.state(appserverId)) ?? (await deps.runtimeLogs.start(appserverId, appserver.logOffset));
  try {
    await copyRuntimeLog(deps, appserver, deps.hosts.transportFor(host), state.offset, !running);
  } catch (error) {
    // A host away for a while loses nothing: the bytes stay in deploy.log for the next copy.
    deps.logger.warn({ appserver: appserverId, err: error }, 'copying the runtime log failed; trying again later');
  }
  if (!running) return 'done';
  const instance = await deps.store.getInstance(appserver.instanceId);
  if (!instance || isAsleep(instance, appserverId)) return 'done';
  await deps.store.enqueue('follow_runtime_log', { appserverId }, runtimeLogJobOptions(deps, appserverId));
  return 'continue';
}

async function copyRuntimeLog(
  deps: RuntimeLogDeps,
  appserver: Appserver,
  transport: HostTransport,
  from: number,
  final: boolean,
): Promise<void> {
  const path = `${appserver.workDir}/deploy.log`;
  let offset = from;
  const size = await transport.fileSize(path);
  if (size === null) return;
  if (size - offset > deps.runtimeLogMaxBytes) {
    // Start at the first line that begins within the last max bytes.
    const skipTo = size - deps.runtimeLogMaxBytes;
    const head = await transport.readFile(path, { offset: skipTo, maxBytes: readChunkBytes });
    const newline = head?.indexOf(0x0a) ?? -1;
    const next = newline >= 0 ? skipTo + newline + 1 : skipTo;
    if (!(await deps.runtimeLogs.skip(appserver.id, offset, next))) return;
    offset = next;
  }
  const redactor = await redactorFor(deps, appserver.instanceId);
  for (let round = 0; round < maxRounds; round += 1) {
    const bytes = await transport.readFile(path, { offset, maxBytes: readChunkBytes });
    if (!bytes || bytes.length === 0) return;
    const complete = bytes.length < readChunkBytes;
    const cut = cutLog(bytes, redactor, { final: final && complete, full: !complete });
    if (cut.bytes === 0) return;
    const stored = await deps.runtimeLogs.append(
      appserver.id,
      offset,
      cut.text,
      offset + cut.bytes,
      deps.runtimeLogMaxBytes,
    );
    if (!stored) return;
    offset += cut.bytes;
    if (complete) return;
  }
}
