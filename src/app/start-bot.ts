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
import { createWebServer, listen } from '../web/server';
import { createBuiltinProxy } from '../web/builtin-proxy';
import { createProvisioning, type Provisioning } from './provisioning';
import { configuredCertificate } from './create-load-balancer';
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
  /** Stops taking work, gives running jobs `graceMs`, closes the server and the database. */
  stop(graceMs?: number): Promise<void>;
}

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
  let tlsListener: TlsListener | null = null;
  let provisioning: Provisioning | null = null;
  const surfaces: Surface[] = [];
  try {
    await migrateDatabase(database.db, database.pool);
    await applyMaintenanceDefault(database.db, config.worker.maintenance);
    provisioning = await createProvisioning({ config, db: database.db, logger, env });
    await protectBotFiles({ config, logger, env });
    const github = createGitHubApp(config, logger);
    const commands = createCommandDeps({ config, db: database.db, store: provisioning.store, now: provisioning.now });
    const reporters = createReporters({ config, logger, db: database.db, store: provisioning.store, github });
    const deps = { config, db: database.db, pool: database.pool, logger, provisioning, reporters, github, commands };
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
      const proxy =
        config.load_balancer.provider === 'builtin'
          ? createBuiltinProxy({
              store: provisioning.store,
              baseDomain: config.base_domain,
              publicUrl: config.public_url!,
            })
          : null;
      server = createWebServer({ router, logger, before: proxy ? [proxy.handle] : [] });
      if (proxy) {
        server.on('upgrade', (req, socket, head) => {
          void proxy.upgrade(req, socket as Socket, head).then((handled) => handled || socket.destroy());
        });
      }
      port = await listen(server, config.server.host, config.server.port);
      logger.info({ url: `http://${config.server.host}:${port}` }, 'web server listening');
      const certificate = proxy ? configuredCertificate(config, env) : null;
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
    // After the port is ours: a port in use must not leave a worker half-started.
    if (runWorker) {
      worker = await startWorker({
        deps,
        concurrency: config.worker.concurrency,
        maintenance: commands.maintenance ?? undefined,
      });
      await provisioning.store.enqueue('reconcile_hosts', {}, { jobKey: 'reconcile_hosts' });
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
          const closed = server ? new Promise<void>((resolve) => server!.close(() => resolve())) : Promise.resolve();
          server?.closeIdleConnections();
          await worker?.stop(graceMs);
          for (const surface of surfaces) await surface.stop?.().catch(() => undefined);
          server?.closeAllConnections();
          await tlsListener?.close();
          await closed;
          await provisioning?.close();
          await database.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await worker?.stop(2_000).catch(() => undefined);
    server?.close();
    await tlsListener?.close();
    await provisioning?.close();
    await database.close();
    throw error;
  }
}
