import type { Appserver, AppserverConfig, Host } from '../model';
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

const readChunkBytes = 128 * 1024;
const tailLines = 20;

/**
 * Follows a configuring appserver for up to `followBudgetMs`: copies new
 * deploy.log bytes into the database (redacted, exactly once by byte offset),
 * starts the service when the deploy phase exited 0, health-checks it, and
 * moves the appserver to running or failed. Hands over to a fresh follow job
 * while the deploy is still going, so no job runs long and a restart of the
 * bot loses nothing: the deploy runs detached on the host.
 */
export async function followAppserver(
  deps: ProvisioningDeps,
  appserverId: number,
  signal?: AbortSignal,
): Promise<'done' | 'continue'> {
  const deadline = Date.now() + deps.followBudgetMs;
  let appserver = await deps.store.getAppserver(appserverId);
  if (!appserver || appserver.state !== 'configuring') return 'done';
  const host = (await deps.store.getHost(appserver.hostId!))!;
  const transport = deps.hosts.transportFor(host);
  while (Date.now() < deadline && !signal?.aborted) {
    appserver = await deps.store.getAppserver(appserverId);
    if (!appserver || appserver.state !== 'configuring') return 'done';
    const outcome = await step(deps, appserver, host, transport);
    if (outcome === 'done') return 'done';
    await sleep(deps.followIntervalMs, signal);
  }
  await deps.store.enqueue(
    'follow_appserver',
    { appserverId },
    { ...followOptions(deps, appserverId), runAt: deps.now() },
  );
  return 'continue';
}

async function step(
  deps: ProvisioningDeps,
  appserver: Appserver,
  host: Host,
  transport: HostTransport,
): Promise<'done' | 'pending'> {
  const workDir = appserver.workDir!;
  const exitText = appserver.serviceStartedAt ? null : await transport.readFile(`${workDir}/deploy.exit`);
  const drained = await copyLog(deps, appserver, transport, exitText !== null);
  if (!appserver.serviceStartedAt) {
    if (exitText === null || !drained) return 'pending';
    const status = Number(exitText.toString().trim());
    if (status !== 0) {
      // A recipe may name the cause (e.g. the failed Ansible task); it comes first.
      const cause = (await transport.readFile(`${workDir}/failure.txt`, { maxBytes: 2_000 }))?.toString().trim();
      const redactor = await redactorFor(deps, appserver.instanceId);
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
    await markRunning(deps, appserver, transport);
    return 'done';
  }
  const serviceExit = await transport.readFile(`${workDir}/service.exit`);
  if (serviceExit !== null) {
    // The service ended before answering: waiting out health_timeout would only delay the same verdict.
    await copyLog(deps, appserver, transport, true);
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
    await copyLog(deps, appserver, transport, true);
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
function checkHealth(deps: ProvisioningDeps, config: AppserverConfig, address: string, port: number) {
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
  const initialized = (await transport.fileSize(`${appserver.workDir}/init.done`)) !== null;
  await deps.store.transaction(async (store) => {
    if (initialized) await store.updateInstance(appserver.instanceId, { initializedAt: deps.now() });
    const running = await store.transitionAppserver(appserver.id, 'configuring', 'running', { readyAt: deps.now() });
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
 * been stored.
 */
async function copyLog(
  deps: ProvisioningDeps,
  appserver: Appserver,
  transport: HostTransport,
  final: boolean,
): Promise<boolean> {
  let offset = appserver.logOffset;
  const redactor = await redactorFor(deps, appserver.instanceId);
  for (let round = 0; round < 64; round += 1) {
    const bytes = await transport.readFile(`${appserver.workDir}/deploy.log`, { offset, maxBytes: readChunkBytes });
    if (!bytes || bytes.length === 0) return true;
    const complete = bytes.length < readChunkBytes;
    const cut = cutLog(bytes, redactor, { final: final && complete, full: !complete });
    if (cut.bytes === 0) return false;
    const stored = await deps.store.appendLog(appserver.id, offset, cut.text, offset + cut.bytes, {
      maxBytes: deps.logMaxBytes,
    });
    if (!stored) return false;
    offset += cut.bytes;
    if (complete && cut.bytes === bytes.length) return true;
    if (complete) return false;
  }
  return false;
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

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
