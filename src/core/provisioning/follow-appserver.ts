import type { Appserver, AppserverConfig, Host } from '../model';
import { pause } from '../pause';
import type { Redactor } from '../redact';
import type { HostTransport } from '../ports/host-transport';
import { appserverConfig } from './create-appserver';
import { cutLog } from './cut-log';
import { redactorFor } from './redactor-for';
import type { ProvisioningDeps } from './deps';
import { failAppserver } from './fail-appserver';
import { followOptions } from './provision-appserver';
import { runnerName } from './work-files';
import { stopService } from './stop-appserver';
import { reportChange } from './report-change';
import { runtimeLogJobOptions } from './follow-runtime-log';

// Reads of 512 KiB, the next one overlapping the database write of the last (see copyLog): behind a backlog
// each piece costs a read and a transaction, so larger pieces copy faster; each piece is copied a few
// times on its way to the database, which is what bounds them (the 100 MB bench case watches the RSS).
const readChunkBytes = 512 * 1024;
/** The size of one read of deploy.log: at most half the log cap (if any), so the stored log stays within 1.5× its cap. */
export const logPieceBytes = (logMaxBytes: number | undefined): number =>
  logMaxBytes === undefined ? readChunkBytes : Math.min(readChunkBytes, Math.max(4096, Math.floor(logMaxBytes / 2)));
/** At most this much is copied per poll, so a follow job keeps to its budget behind a huge backlog. */
const bytesPerPoll = 64 * 1024 * 1024;
// Storing a 512 KiB piece took 10–70 ms on the busy 2-core machine (bench provisioning, load average 3 to 20):
// a whole 50 MiB cap behind a burst kept what followed it 1.3–3 s away; 8 to 10 MiB take 0.3–0.6 s there
// (larger pieces were slower, and grew the RSS).
const catchUpLimit = 8 * 1024 * 1024;
/**
 * How much of a burst larger than the log cap is kept when the follower skips it (see `skipAhead`): the
 * newest 8 MiB, or the cap when smaller, so output written after the burst reaches the database quickly.
 */
export const logCatchUpBytes = (logMaxBytes: number): number => Math.min(logMaxBytes, catchUpLimit);
/** How far a follower may fall behind before it skips: the cap, and while a burst lasts (it skipped before in this poll), 1.25× the catch-up part. */
const skipBeyond = (logMaxBytes: number, bursting: boolean): number =>
  bursting ? Math.min(logMaxBytes, Math.floor(1.25 * logCatchUpBytes(logMaxBytes))) : logMaxBytes;
const tailLines = 20;
/** The first wait between polls; it grows by half while nothing happens, up to `followIntervalMs`, and halves on progress. */
export const firstPollMs = 5;
// By half, not double: a deploy is seen at most half its time late instead of as late again.
const backoff = 1.5;

/**
 * Follows a configuring appserver for up to `followBudgetMs`: copies new
 * deploy.log bytes into the database (redacted, exactly once by byte offset),
 * starts the service when the deploy phase exited 0, health-checks it, and
 * moves the appserver to running or failed. Hands over to a fresh follow job
 * while the deploy is still going, so no job runs long and a restart of the
 * bot loses nothing: the deploy runs detached on the host. Polls at once and
 * backs off (see `nextWait`), never pausing longer than a tenth of the phase's
 * age (see `pauseFor`): a quick deploy is seen the moment it ends, a long
 * quiet one costs a poll per `followIntervalMs`.
 */
export async function followAppserver(
  deps: ProvisioningDeps,
  appserverId: number,
  signal?: AbortSignal,
): Promise<'done' | 'continue'> {
  const deadline = Date.now() + deps.followBudgetMs;
  let appserver = await deps.store.getAppserver(appserverId);
  if (!appserver || appserver.state !== 'configuring') return 'done';
  // The instance's secrets exist before the deploy starts (prepareDatabases): one read per job, not per poll,
  // made alongside the host's (two independent reads: one round trip's wait, not two).
  const [host, redactor] = await Promise.all([
    deps.store.getHost(appserver.hostId!).then((found) => found!),
    redactorFor(deps, appserver.instanceId),
  ]);
  const transport = deps.hosts.transportFor(host);
  let wait = firstPollMs;
  while (Date.now() < deadline && !signal?.aborted) {
    const before = appserver;
    const outcome = await step(deps, appserver, host, transport, redactor);
    if (outcome === 'done') return 'done';
    appserver = await deps.store.getAppserver(appserverId);
    if (!appserver || appserver.state !== 'configuring') return 'done';
    // A new phase (the service was just launched) is watched from the first, shortest wait again.
    const launched = !before.serviceStartedAt && appserver.serviceStartedAt;
    wait = launched ? firstPollMs : nextWait(wait, madeProgress(before, appserver), deps.followIntervalMs);
    await pause(pauseFor(wait, phaseAgeMs(deps, appserver)), signal);
  }
  await deps.store.enqueue(
    'follow_appserver',
    { appserverId },
    { ...followOptions(deps, appserverId), runAt: deps.now() },
  );
  return 'continue';
}

/** The wait before the next poll: halved after progress (down to `firstPollMs`), 1.5× after none (up to `longest`). */
export function nextWait(previous: number, progress: boolean, longest: number): number {
  return progress ? Math.max(firstPollMs, previous / 2) : Math.min(longest, previous * backoff);
}

/**
 * The pause before the next poll: the backed-off `wait`, but at most a tenth
 * of the watched phase's age (never under `firstPollMs`). A quiet phase still
 * ends at some moment the follower cannot know: a service that takes 80 ms to
 * answer its health check would otherwise be seen up to 40 ms late (the
 * backoff had reached 38 ms, then 57), so the follower is never later than
 * about a tenth of the phase's own duration, and a long phase still settles
 * at one poll per `followIntervalMs`.
 */
export function pauseFor(wait: number, phaseAgeMs: number): number {
  return Math.min(wait, Math.max(firstPollMs, phaseAgeMs / 10));
}

/** How long the phase being watched has run: the service since its launch, else the deploy since its launch. */
const phaseAgeMs = (deps: ProvisioningDeps, appserver: Appserver) => {
  const since = appserver.serviceStartedAt ?? appserver.configuringAt;
  return since ? deps.now().getTime() - since.getTime() : 0;
};

const madeProgress = (before: Appserver, after: Appserver) => after.logOffset !== before.logOffset;

async function step(
  deps: ProvisioningDeps,
  appserver: Appserver,
  host: Host,
  transport: HostTransport,
  redactor: Redactor,
): Promise<'done' | 'pending'> {
  const workDir = appserver.workDir!;
  const exitText = appserver.serviceStartedAt ? null : await transport.readFile(`${workDir}/deploy.exit`);
  const drained = await copyLog(deps, appserver, transport, exitText !== null, redactor);
  if (!appserver.serviceStartedAt) {
    if (exitText === null || !drained) return 'pending';
    const status = Number(exitText.toString().trim());
    if (status !== 0) {
      // A recipe may name the cause (e.g. the failed Ansible task); it comes first.
      const cause = (await transport.readFile(`${workDir}/failure.txt`, { maxBytes: 2_000 }))?.toString().trim();
      const reason = `${cause ? `${redactor.redact(cause)}; ` : ''}deploy phase exited with status ${status}`;
      await failAppserver(deps, appserver, 'failed', `${reason}; last lines:\n${await logTail(deps, appserver.id)}`);
      return 'done';
    }
    const commit = (await transport.readFile(`${workDir}/commit.txt`))?.toString().trim() || appserver.commitSha;
    const started = await transport.exec(['setsid', '--fork', 'bash', `${workDir}/${runnerName}`, 'start'], {
      cwd: workDir,
      timeoutMs: 30_000,
    });
    if (started.code !== 0) {
      await failAppserver(
        deps,
        appserver,
        'failed',
        `starting the service on ${host.name} failed: ${started.stderr.trim().slice(-500)}`,
      );
      return 'done';
    }
    await deps.store.updateAppserver(appserver.id, { serviceStartedAt: deps.now(), commitSha: commit, exitCode: 0 });
    return 'pending';
  }
  const config = appserverConfig(appserver);
  const check = checkHealth(deps, config, host.address, appserver.port!);
  const { url } = check;
  const health = await check.result;
  if (health.ok) {
    // What the service printed before its health check answered belongs to the deploy log;
    // the runtime log starts where this copy ends.
    await copyLog(deps, appserver, transport, false, redactor);
    await markRunning(deps, appserver, transport);
    return 'done';
  }
  const serviceExit = await transport.readFile(`${workDir}/service.exit`);
  if (serviceExit !== null) {
    // The service ended before answering: waiting out health_timeout would only delay the same verdict.
    await copyLog(deps, appserver, transport, true, redactor);
    await failAppserver(
      deps,
      appserver,
      'failed',
      `the service exited with status ${serviceExit.toString().trim()} before its health check ${url} answered ${expected(config)}; last lines:\n${await logTail(deps, appserver.id)}`,
    );
    return 'done';
  }
  if (deps.now().getTime() - appserver.serviceStartedAt.getTime() > config.healthTimeoutMs) {
    const last = health.detail;
    await copyLog(deps, appserver, transport, true, redactor);
    await stopService(deps, appserver, transport).catch(() => undefined);
    await failAppserver(
      deps,
      appserver,
      'failed',
      `health check ${health.what} did not answer ${expected(config)} within ${Math.round(config.healthTimeoutMs / 1000)}s (last: ${last}); last lines:\n${await logTail(deps, appserver.id)}`,
    );
    return 'done';
  }
  return 'pending';
}

const expected = (config: AppserverConfig) => ((config.health?.maxStatus ?? 299) >= 399 ? 'below 400' : '2xx');

/**
 * The recipe's health check (method, Host header, accepted statuses), then
 * every smoke check of an extra domain (e.g. Studio's heartbeat), all against
 * the appserver's port: a sandbox with a dead Studio never becomes running,
 * so it is never activated.
 */
export function checkHealth(deps: ProvisioningDeps, config: AppserverConfig, address: string, port: number) {
  const base = `http://${address}:${port}`;
  const url = `${base}${config.healthPath.startsWith('/') ? '' : '/'}${config.healthPath}`;
  const maxStatus = config.health?.maxStatus ?? 299;
  const probes = [
    { url, host: config.health?.host ?? null, what: config.health?.host ? `${url} (Host ${config.health.host})` : url },
    ...(config.smokeChecks ?? []).map((smoke) => ({
      url: `${base}${smoke.path}`,
      host: smoke.domain,
      what: `${base}${smoke.path} (Host ${smoke.domain})`,
    })),
  ];
  const result = (async () => {
    for (const probe of probes) {
      const answer = await deps.probe(probe.url, 2_000, {
        method: config.health?.method ?? 'GET',
        host: probe.host ?? undefined,
      });
      if (answer.status === null || answer.status < 200 || answer.status > maxStatus) {
        return {
          ok: false,
          what: probe.what,
          detail: answer.status === null ? (answer.error ?? 'no answer') : `HTTP ${answer.status}`,
        };
      }
    }
    return { ok: true, what: url, detail: 'ok' };
  })();
  return { url, result };
}

async function markRunning(deps: ProvisioningDeps, appserver: Appserver, transport: HostTransport): Promise<void> {
  // Only the init phase leaves init.done behind: without one configured, no round trip to the host to look for it.
  const initialized =
    Boolean(appserverConfig(appserver).phases.init) &&
    (await transport.fileSize(`${appserver.workDir}/init.done`)) !== null;
  await deps.store.transaction(async (store) => {
    if (initialized) await store.updateInstance(appserver.instanceId, { initializedAt: deps.now() });
    const running = await store.transitionAppserver(appserver.id, 'configuring', 'running', { readyAt: deps.now() });
    // From here on the service's output is its runtime log, copied by jobs of its own.
    if (running && deps.runtimeLogs && deps.runtimeLogIntervalMs !== undefined)
      await store.enqueue(
        'follow_runtime_log',
        { appserverId: running.id },
        runtimeLogJobOptions({ now: deps.now, runtimeLogIntervalMs: deps.runtimeLogIntervalMs }, running.id),
      );
    if (!running || running.deploymentId === null) return;
    const deployment = await store.getDeployment(running.deploymentId);
    if (!deployment || deployment.state !== 'running') return;
    await store.updateDeployment(deployment.id, { state: 'succeeded', finishedAt: deps.now() });
    if (deployment.activateOnSuccess)
      await store.enqueue('activate_appserver', { appserverId: running.id }, { instanceId: running.instanceId });
    await reportChange(store, running.instanceId, deps.now());
    if (!deployment.activateOnSuccess)
      await store.enqueue(
        'retain_appservers',
        { instanceId: running.instanceId },
        { instanceId: running.instanceId, jobKey: `retain:${running.instanceId}` },
      );
  });
  deps.logger.info({ appserver: appserver.id }, 'appserver running');
}

/**
 * Copies deploy.log from the stored offset, redacted. Stores whole lines and
 * holds back a partial line (see `cutLog`: a secret is never split between
 * two chunks) unless `final`. Returns true when everything on the host has
 * been stored. Behind a backlog, the next piece is read from the host while
 * the current one is written to the database (the two round trips overlap),
 * and when the unread part is larger than the log cap, all but its newest
 * part is skipped (see `skipAhead`). The cap is applied once per poll, not per piece.
 */
async function copyLog(
  deps: ProvisioningDeps,
  appserver: Appserver,
  transport: HostTransport,
  final: boolean,
  redactor: Redactor,
): Promise<boolean> {
  const path = `${appserver.workDir}/deploy.log`;
  const { logMaxBytes } = deps;
  const pieceBytes = logPieceBytes(logMaxBytes);
  const read = (offset: number) => {
    const reading = transport.readFile(path, { offset, maxBytes: pieceBytes });
    // Handled now (it may fail while the database write is awaited); awaiting it later still throws.
    reading.catch(() => undefined);
    return reading;
  };
  let offset = appserver.logOffset;
  let untrimmed = false;
  let next = read(offset);
  let size = null as Promise<number | null> | null;
  // Skipped before in this poll: the burst that outran the cap may still be being written.
  let bursting = false;
  const copy = async (): Promise<boolean> => {
    for (let round = 0; round < bytesPerPoll / pieceBytes; round += 1) {
      const bytes = await next;
      if (!bytes || bytes.length === 0) return true;
      const complete = bytes.length < pieceBytes;
      // A full piece: how far behind is the follower? Asked while this piece is stored.
      size = !complete && logMaxBytes !== undefined ? transport.fileSize(path) : null;
      size?.catch(() => undefined);
      const cut = cutLog(bytes, redactor, { final: final && complete, full: !complete });
      if (cut.bytes === 0) return false;
      // A full window means more is waiting: fetch it now; its bytes are used only if this piece is stored.
      next = complete ? Promise.resolve(null) : read(offset + cut.bytes);
      // The last piece of a poll applies the cap in its own transaction; earlier ones leave it to the end.
      const stored = await deps.store.appendLog(appserver.id, offset, cut.text, offset + cut.bytes, {
        maxBytes: complete ? logMaxBytes : undefined,
      });
      if (!stored) return false;
      untrimmed = !complete;
      offset += cut.bytes;
      if (complete) return cut.bytes === bytes.length;
      if (size && logMaxBytes !== undefined) {
        const end = (await size) ?? 0;
        const window = { offset, end, logMaxBytes, bursting };
        const skipped = await skipAhead(deps, appserver.id, transport, path, window);
        if (skipped === false) return false;
        if (skipped !== null) {
          await next.catch(() => null);
          offset = skipped;
          untrimmed = false;
          bursting = true;
          next = read(offset);
        }
      }
    }
    return false;
  };
  try {
    return await copy();
  } finally {
    // A read ahead (or size asked) that is not used still ends before this does.
    await Promise.all([next.catch(() => null), size?.catch(() => null)]);
    if (untrimmed && logMaxBytes !== undefined) await deps.store.trimLog(appserver.id, logMaxBytes);
  }
}

/**
 * When the unread part of the log (`offset` to `end`) is larger than the cap
 * (or, while a burst lasts, than 1.25× the part kept: a burst still being
 * written outruns the follower again), storing it all only to drop the older
 * part is the waste: moves the stored offset to the first line start within
 * the newest `logCatchUpBytes` (a burst's tail, copied in well under a
 * second, so what follows the burst is not held up behind it) and drops the
 * stored log (its dropped-bytes count becomes the new offset). Starting at a
 * line start keeps redaction whole (no rule crosses a line). Returns the new
 * offset, null when there is nothing to skip (or no line starts near the
 * cut: then the log is copied as usual), false when another follower moved first.
 */
async function skipAhead(
  deps: ProvisioningDeps,
  appserverId: number,
  transport: HostTransport,
  path: string,
  window: { offset: number; end: number; logMaxBytes: number; bursting: boolean },
): Promise<number | false | null> {
  const { offset, end, logMaxBytes, bursting } = window;
  if (end - offset <= skipBeyond(logMaxBytes, bursting)) return null;
  const from = end - logCatchUpBytes(logMaxBytes);
  const head = await transport.readFile(path, { offset: from - 1, maxBytes: logPieceBytes(logMaxBytes) });
  // Read from the byte before the cut: a line that starts right at it is kept whole.
  const newline = head?.indexOf(0x0a) ?? -1;
  if (newline < 0) return null;
  const to = from + newline;
  return (await deps.store.skipLog(appserverId, offset, to)) ? to : false;
}

async function logTail(deps: ProvisioningDeps, appserverId: number): Promise<string> {
  const chunks = await deps.store.readLog(appserverId, { tailBytes: 16 * 1024 });
  return chunks
    .map((chunk) => chunk.content)
    .join('')
    .trimEnd()
    .split('\n')
    .slice(-tailLines)
    .join('\n');
}
