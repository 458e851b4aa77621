import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvisioning, type Provisioning } from '../../src/app/provisioning';
import { loadConfig } from '../../src/config/load-config';
import type { Database } from '../../src/infra/db/database';
import { createLogger } from '../../src/infra/logger';
import { createTaskList } from '../../src/jobs';
import { startWorker } from '../../src/jobs/start-worker';
import { createTestDatabase } from '../support/database';
import { waitFor } from '../support/wait-for';

/*
 * A stopping worker does not wait for uptime probes: the probe_uptime job
 * takes the worker's abort signal, its probe in flight ends at once, and the
 * cut-short probe counts for nothing (no failure recorded). The sandbox sits
 * behind a loopback server that accepts connections and never answers, and
 * the probe timeout is a minute: a job that ignored the signal would still
 * hold its job when the stop's grace period ends, and the stop would hand it
 * back unfinished instead of the job completing.
 */

let database: Database;
let provisioning: Provisioning;
let silent: Server;
const sockets = new Set<Socket>();
const base = loadConfig({ env: { LOG_LEVEL: 'silent' }, cwd: '/nonexistent' });
const config = { ...base, uptime: { ...base.uptime, enabled: true, timeout: 60_000 } };
const logger = createLogger({ level: 'silent', format: 'json' });

beforeAll(async () => {
  database = await createTestDatabase();
  provisioning = await createProvisioning({ config, db: database.db, logger, env: {} });
  silent = createServer((socket) => {
    sockets.add(socket);
    // Reads (and drops) the request, so the probe's end of the connection is seen; never answers.
    socket.resume();
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await provisioning?.close();
  await database?.close();
});

async function jobState(id: string): Promise<{ locked_by: string | null; attempts: number } | undefined> {
  const result = await database.pool.query(
    'select locked_by, attempts from graphile_worker._private_jobs where id = $1',
    [id],
  );
  return result.rows[0];
}

describe('the probe_uptime job', () => {
  it('ends its probes when the worker stops, finishes its job and records no failure', async () => {
    const store = provisioning.store;
    const instance = await store.insertInstance({
      slug: 'quiet',
      domain: 'quiet.sandbox.test',
      kind: 'manual',
      prRepo: 'acme/app',
    });
    const appserver = await store.insertAppserver({ instanceId: instance.id, config: { healthPath: '/' }, port: 1 });
    await database.pool.query(`update appservers set state = 'running' where id = $1`, [appserver.id]);
    await store.updateInstance(instance.id, { activeAppserverId: appserver.id });

    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no loopback port');
    const deps = {
      config,
      db: database.db,
      pool: database.pool,
      logger,
      provisioning,
      reporters: [],
      uptimeUrl: `http://127.0.0.1:${address.port}`,
    };
    const worker = await startWorker({
      deps,
      concurrency: 1,
      pollInterval: 100,
      abortAfterMs: 100,
      tasks: { probe_uptime: createTaskList(deps).probe_uptime! },
    });
    let stopped = false;
    try {
      const added = await database.pool.query<{ id: string }>(
        `select id::text from graphile_worker.add_job('probe_uptime', '{}'::json)`,
      );
      const id = added.rows[0]!.id;
      await waitFor(() => sockets.size === 1, { timeoutMs: 15_000, what: 'the probe to reach the silent server' });

      await worker.stop(10_000);
      stopped = true;
      // Completed (removed), not handed back unfinished after the grace period.
      expect(await jobState(id)).toBeUndefined();
      await waitFor(() => sockets.size === 0, { timeoutMs: 5_000, what: 'the aborted probe to close its connection' });
      const after = (await store.getInstance(instance.id))!;
      expect(after.probeFailures).toBe(0);
      expect(after.downSince).toBeNull();
    } finally {
      if (!stopped) await worker.stop(1_000);
    }
  });
});
