import { ping } from '../infra/db/worker-heartbeats';
import type { Socket } from 'node:net';
import type { Server } from 'node:http';
import type { Config } from '../config/schema';
import { openDatabase, type Database } from '../infra/db/database';
import { migrateDatabase, migrationsCurrent } from '../infra/db/migrate';
import { applyMaintenanceDefault } from '../infra/db/maintenance-flag';
import { localSignInUrl, openLocalToken } from '../infra/local-token';
import type { Logger } from '../infra/logger';
import { startWorker, type WorkerHandle } from '../jobs/start-worker';
import type { ReadinessCheck, WebDeps } from '../web/deps';
import { registerHealthRoutes } from '../web/routes/health';
import { Router } from '../infra/http/router';
import { createRequestsInFlight } from '../infra/http/requests-in-flight';
import { createWebServer, listen } from '../web/server';
import { makeDrainable, type DrainableServer } from '../web/drain-server';
import { createBuiltinProxy } from '../web/builtin-proxy';
import { loadSessionSecret } from '../web/auth/session-secret';
import { createHitCounter } from '../infra/activity/hit-counter';
import { createActivityRecords } from '../infra/db/activity-records';
import { uptimeBaseUrl } from '../infra/uptime-target';
import { createProvisioning, type Provisioning } from './provisioning';
import { createSleepEndpoints, refreshRoutes } from './sleep-endpoints';
import { startRequestLogReceiver, type RequestLogReceiver } from '../infra/activity/request-log-receiver';
import { startCertificateRotation, type CertificateRotation } from './tls-certificates';
import { startTlsListener, type TlsListener } from './start-tls-listener';
import { protectBotFiles } from './sandbox-isolation';
import { createGitHubApp } from '../infra/github/github-app';
import { createCommandDeps } from './command-deps';
import { createReporters } from './reporters';
import { surfaceFactories, type Surface, type SurfaceContext } from './surfaces';

export interface StartBotOptions {
  config: Config;
  logger: Logger;
  /** Serve HTTP (pages, health, webhooks). */
  web: boolean;
  /** Run the job worker in this process. */
  worker: boolean;
  /** Environment for secrets the adapters read (host keys by env name); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface Bot {
  database: Database;
  worker: WorkerHandle | null;
  server: Server | null;
  provisioning: Provisioning;
  /** Port actually listened on (PORT=0 picks a free one). */
  port: number | null;
  /** HTTPS port of the builtin load balancer (load_balancer.tls), or null. */
  tlsPort: number | null;
  readiness(): Promise<ReadinessCheck[]>;
  /**
   * Stops taking work: `/readyz` fails at once and the server keeps serving
   * for `server.drain`, then stops listening and finishes the requests in
   * flight; running jobs get `graceMs` meanwhile. Then closes the database.
   */
  stop(graceMs?: number): Promise<void>;
}

/** How long requests in flight get once a stopping web process no longer listens (log streams never end by themselves). */
const inFlightLimitMs = 10_000;

/** How often every process looks for a new certificate (an ACME renewal by another process, a replaced certificate_file). */
const certificateCheckMs = 30_000;

/** The composition root: database, migrations, worker and web server, wired explicitly. */
export async function startBot({
  config,
  logger,
  web,
  worker: runWorker,
  env = process.env,
}: StartBotOptions): Promise<Bot> {
  const database = await openDatabase({ url: config.database.url, dataDir: config.data_dir, logger });
  let worker: WorkerHandle | null = null;
  let server: Server | null = null;
  let drainable: DrainableServer | null = null;
  let draining = false;
  let tlsListener: TlsListener | null = null;
  let rotation: CertificateRotation | null = null;
  /** The builtin proxy's last request times are written on the way out. */
  let closeProxy: (() => Promise<void>) | null = null;
  let requestLog: RequestLogReceiver | null = null;
  const sleepEndpoints = createSleepEndpoints(config);
  let provisioning: Provisioning | null = null;
  const surfaces: Surface[] = [];
  // With web and worker in one process, the requests people wait on are answered before the jobs start.
  const requests = web && runWorker ? createRequestsInFlight() : null;
  try {
    await migrateDatabase(database.db, database.pool);
    await applyMaintenanceDefault(database.db, config.worker.maintenance);
    provisioning = await createProvisioning({ config, db: database.db, logger, env, sleep: sleepEndpoints });
    await protectBotFiles({ config, logger, env });
    const github = createGitHubApp(config, logger);
    const commands = createCommandDeps({ config, db: database.db, store: provisioning.store, now: provisioning.now });
    const reporters = createReporters({ config, logger, db: database.db, store: provisioning.store, github });
    const acme = provisioning.tls?.supply.acme ?? null;
    // A renewal in this process rotates at once; other processes see the new files at their next check.
    const certificates = acme
      ? {
          renew: async () => {
            const result = await acme.renew();
            if (result === 'renewed') await rotation?.check();
            return result;
          },
        }
      : null;
    const deps = {
      config,
      db: database.db,
      pool: database.pool,
      logger,
      provisioning,
      reporters,
      github,
      commands,
      certificates,
    };
    const localToken = openLocalToken({ dataDir: config.data_dir, fixed: config.web.auth.local_token });
    const surfaceContext: SurfaceContext = {
      config,
      logger,
      db: database.db,
      pool: database.pool,
      provisioning,
      commands,
      github,
      env,
      localToken,
    };
    for (const factory of surfaceFactories) {
      const surface = await factory(surfaceContext);
      if (surface) surfaces.push(surface);
    }

    const readiness = async (): Promise<ReadinessCheck[]> => {
      const checks: ReadinessCheck[] = [];
      // First thing a stop changes: the load balancer's health check takes this process out while it still serves.
      if (draining) checks.push({ name: 'shutdown', ok: false, detail: 'draining: stopping after SIGTERM' });
      try {
        await ping(database.pool);
        checks.push({ name: 'database', ok: true });
      } catch (error) {
        checks.push({ name: 'database', ok: false, detail: error instanceof Error ? error.message : String(error) });
      }
      const migrations = await migrationsCurrent(database.pool);
      checks.push({
        name: 'migrations',
        ok: migrations.current,
        detail: `${migrations.applied}/${migrations.expected} applied`,
      });
      if (runWorker)
        checks.push({
          name: 'worker',
          ok: worker?.isRunning() ?? false,
          ...(worker?.isPaused() ? { detail: 'paused: maintenance mode' } : {}),
        });
      return checks;
    };

    let port: number | null = null;
    if (web) {
      const webDeps: WebDeps = { ...deps, readiness };
      const router = new Router();
      registerHealthRoutes(router, webDeps);
      for (const surface of surfaces) surface.registerRoutes?.(router);
      // Behind nginx/HAProxy with sleep and wake, the same proxy answers the sleeping sandboxes they send here.
      const proxyBase = {
        store: provisioning.store,
        baseDomain: config.base_domain,
        publicUrl: config.public_url!,
        logger,
        now: provisioning.now,
      };
      const proxy = sleepEndpoints.wakes
        ? createBuiltinProxy({ ...proxyBase, passUnknown: true })
        : config.load_balancer.provider === 'builtin'
          ? createBuiltinProxy({
              ...proxyBase,
              httpsPort: () => (config.load_balancer.tls?.redirect_http ? (tlsListener?.port ?? null) : null),
              hits: createHitCounter({
                records: createActivityRecords(database.db),
                secret: loadSessionSecret(config),
                logger,
                now: provisioning.now,
              }),
            })
          : null;
      closeProxy = proxy?.close ?? null;
      server = createWebServer({
        router,
        logger,
        before: proxy ? [proxy.handle] : [],
        ...(requests ? { requests } : {}),
      });
      drainable = makeDrainable(server);
      if (proxy) {
        server.on('upgrade', (req, socket, head) => {
          void proxy.upgrade(req, socket as Socket, head).then((handled) => handled || socket.destroy());
        });
      }
      port = await listen(server, config.server.host, config.server.port);
      sleepEndpoints.useWebPort(port);
      if (sleepEndpoints.requestLogBind) {
        requestLog = await startRequestLogReceiver({
          store: provisioning.store,
          ...sleepEndpoints.requestLogBind,
          logger,
          now: provisioning.now,
          hits: createHitCounter({
            records: createActivityRecords(database.db),
            secret: loadSessionSecret(config),
            logger,
            now: provisioning.now,
          }),
        });
        sleepEndpoints.useRequestLogPort(requestLog.port);
        logger.info({ port: requestLog.port }, 'listening for the load balancer’s request log (UDP)');
      }
      logger.info({ url: `http://${config.server.host}:${port}` }, 'web server listening');
      const certificate = proxy ? (provisioning.tls?.certificate ?? null) : null;
      if (certificate)
        tlsListener = await startTlsListener({
          server,
          certificate,
          host: config.server.host,
          port: config.load_balancer.builtin.tls_port,
          logger,
        });
      for (const surface of surfaces) await surface.start?.();
      // Printed on stdout as well as logged: the person who ran `npm start` follows it to see everything.
      const link = localSignInUrl({ publicUrl: config.public_url, port, token: localToken.current() });
      logger.info(
        { url: link },
        'sign in as the local operator (every permission) with this link; `sbx auth local --rotate` replaces it',
      );
    }
    if (provisioning.tls) {
      const users = [provisioning.tls.lb, tlsListener].filter((user) => user !== null);
      rotation = startCertificateRotation({
        supply: provisioning.tls.supply,
        initial: provisioning.tls.certificate,
        users,
        intervalMs: certificateCheckMs,
        logger,
      });
    }
    // After the port is ours: a port in use must not leave a worker half-started.
    if (runWorker) {
      worker = await startWorker({
        deps: { ...deps, uptimeUrl: uptimeBaseUrl(config, port), requests },
        concurrency: config.worker.concurrency,
        maintenance: commands.maintenance ?? undefined,
      });
      await provisioning.store.enqueue('reconcile_hosts', {}, { jobKey: 'reconcile_hosts' });
      if (sleepEndpoints.routing) await refreshRoutes(provisioning.store);
    }

    let stopping: Promise<void> | null = null;
    return {
      database,
      worker,
      server,
      provisioning,
      port,
      tlsPort: tlsListener?.port ?? null,
      readiness,
      stop(graceMs = config.worker.shutdown_grace) {
        stopping ??= (async () => {
          draining = true;
          drainable?.startDraining();
          // Jobs wind down while the web drains; an error is reported once both are done.
          const jobsStopped = (worker?.stop(graceMs) ?? Promise.resolve()).then(
            () => null,
            (error: unknown) => error,
          );
          if (drainable) {
            if (config.server.drain > 0) {
              logger.info({ drainMs: config.server.drain }, 'draining: /readyz answers 503, still serving');
              await new Promise((resolve) => setTimeout(resolve, config.server.drain));
            }
            const cut = await drainable.close(inFlightLimitMs);
            if (cut > 0) logger.warn({ cut }, `requests still open ${inFlightLimitMs / 1000}s after closing were cut`);
          }
          const jobError = await jobsStopped;
          if (jobError) logger.error({ err: jobError }, 'the worker did not stop cleanly');
          for (const surface of surfaces) await surface.stop?.().catch(() => undefined);
          rotation?.stop();
          await tlsListener?.close();
          await requestLog
            ?.close()
            .catch((error: unknown) => logger.warn({ err: error }, 'writing the last request log times failed'));
          await closeProxy?.().catch((error: unknown) =>
            logger.warn({ err: error }, 'writing the last sandbox request times failed'),
          );
          await provisioning?.close();
          await database.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await worker?.stop(2_000).catch(() => undefined);
    server?.close();
    await requestLog?.close().catch(() => undefined);
    await closeProxy?.().catch(() => undefined);
    rotation?.stop();
    await tlsListener?.close();
    await provisioning?.close();
    await database.close();
    throw error;
  }
}
