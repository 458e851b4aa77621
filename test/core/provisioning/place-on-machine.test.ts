import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvisioning, type Provisioning } from '../../../src/app/provisioning';
import { loadConfig } from '../../../src/config/load-config';
import { SandboxError } from '../../../src/core/errors';
import type { Actor } from '../../../src/core/model';
import type { MachineHost, MachinePool, MachineRequest } from '../../../src/core/ports/machines';
import { createAppserver } from '../../../src/core/provisioning/create-appserver';
import { findDrift, healDrift } from '../../../src/core/provisioning/reconcile';
import { cancelAppserver, terminateAppserver } from '../../../src/core/provisioning/stop-appserver';
import { provisionAppserver } from '../../../src/core/provisioning/provision-appserver';
import type { ProvisioningDeps } from '../../../src/core/provisioning/deps';
import type { Database } from '../../../src/infra/db/database';
import { createLogger } from '../../../src/infra/logger';
import { createTestDatabase } from '../../support/database';
import { createBareSandbox } from '../../support/manual-sandbox';

/**
 * The provisioning steps with a machine pool (compute.provider openstack),
 * on the real test PostgreSQL, with a recording fake pool (the OpenStack
 * client itself is tested against the fake cloud and the real stack).
 */
const actor: Actor = { surface: 'cli', id: 'tester' };
let database: Database;
let provisioning: Provisioning;
let keyPath: string;

type Step = (request: MachineRequest) => Promise<MachineHost>;
function recordingPool(acquire: Step) {
  const calls: string[] = [];
  const machines = new Map<string, number>();
  const pool: MachinePool = {
    kind: 'openstack',
    async acquire(request) {
      calls.push(`acquire ${request.appserverId}`);
      const host = await acquire(request);
      machines.set(host.name, request.appserverId);
      return host;
    },
    async release(name) {
      calls.push(`release ${name}`);
      machines.delete(name);
    },
    async list() {
      return [...machines].map(([name, appserverId]) => ({ id: `id-${name}`, name, appserverId }));
    },
    async remove(machine) {
      calls.push(`remove ${machine.name}`);
      machines.delete(machine.name);
    },
    async firewall() {
      return [];
    },
  };
  return { pool, calls, machines };
}
const hostFor = (request: MachineRequest): MachineHost => ({
  name: `sbx-${request.appserverId}-${request.slug}`,
  // Nothing answers SSH here: the steps under test never get that far, and terminate must not need it.
  address: '127.0.0.1',
  port: 1,
  user: 'debian',
  workRoot: '/srv/sandboxes',
  portRangeLow: 8000,
  portRangeHigh: 8001,
  privateKeyPath: keyPath,
  privateKeyEnv: null,
  hostKeyFingerprint: 'SHA256:x',
  size: 'm1.small',
});

beforeAll(async () => {
  database = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'sbx-machines-'));
  keyPath = join(dir, 'key');
  writeFileSync(keyPath, 'not a key\n', { mode: 0o600 });
  writeFileSync(join(dir, 'sandbox.yml'), 'repositories:\n  - name: acme/app\n    script:\n      start: "true"\n');
  provisioning = await createProvisioning({
    config: loadConfig({ cwd: dir, env: { SBX_DATA_DIR: join(dir, 'data') } }),
    db: database.db,
    logger: createLogger({ level: 'silent', format: 'json' }),
    env: {},
  });
});
afterAll(async () => {
  await provisioning?.close();
  await database?.close();
});

let count = 0;
async function newAppserver() {
  count += 1;
  const instance = await createBareSandbox(provisioning.store, {
    slug: `vm${count}`,
    baseDomain: 'sandbox.test',
    actor,
    repository: { name: 'acme/app', url: null },
  });
  const deployment = await provisioning.store.insertDeployment({
    instanceId: instance.id,
    requestedBy: 'tester',
    surface: 'cli',
  });
  return createAppserver(provisioning, instance, deployment);
}
const withPool = (pool: MachinePool): ProvisioningDeps => ({
  ...provisioning,
  machines: pool,
  portTaken: async () => false,
});

describe('appservers on machines of their own', () => {
  it('a refused VM fails the appserver with the cloud’s reason', async () => {
    const { pool } = recordingPool(async () => {
      throw new SandboxError('no_capacity', 'OpenStack quota exceeded booting sbx-1-vm1: Quota exceeded for instances');
    });
    const appserver = await newAppserver();
    await provisionAppserver(withPool(pool), appserver.id);
    expect(await provisioning.store.getAppserver(appserver.id)).toMatchObject({
      state: 'error',
      failureReason: 'could not get a VM: OpenStack quota exceeded booting sbx-1-vm1: Quota exceeded for instances',
    });
  });

  it('an appserver cancelled while its VM boots gets the VM deleted at once', async () => {
    const appserver = await newAppserver();
    const { pool, calls, machines } = recordingPool(async (request) => {
      await cancelAppserver(provisioning, appserver.id, 'cancelled on request');
      return hostFor(request);
    });
    await provisionAppserver(withPool(pool), appserver.id);
    expect(calls).toEqual([`acquire ${appserver.id}`, `release sbx-${appserver.id}-vm${count}`]);
    expect(machines.size).toBe(0);
    expect((await provisioning.store.getAppserver(appserver.id))?.state).toBe('cancelled');
  });

  it('records the VM as a host of its own and deletes it when the appserver is terminated, even unreachable', async () => {
    const appserver = await newAppserver();
    const { pool, calls, machines } = recordingPool(async (request) => hostFor(request));
    const deps = withPool(pool);
    // The launch over SSH fails (nothing listens): the appserver errors with its VM still there, as a failed one does.
    await provisionAppserver(deps, appserver.id);
    const placed = (await provisioning.store.getAppserver(appserver.id))!;
    expect(placed).toMatchObject({ state: 'error', port: 8000, workDir: `/srv/sandboxes/vm${count}/appserver-1` });
    expect(await provisioning.store.getHost(placed.hostId!)).toMatchObject({
      name: `sbx-${appserver.id}-vm${count}`,
      provider: 'openstack',
      capacity: 1,
      acceptsNew: false,
      labels: ['flavor:m1.small'],
    });
    expect(machines.size).toBe(1);
    await terminateAppserver(deps, appserver.id);
    expect(calls.at(-1)).toBe(`release sbx-${appserver.id}-vm${count}`);
    expect((await provisioning.store.getAppserver(appserver.id))?.state).toBe('terminated');
    // Its host is no longer looked at by reconcile.
    expect((await findDrift(deps)).filter((d) => d.kind === 'unreachable_host')).toEqual([]);
  });

  it('cancelling a deploy whose VM does not answer SSH still terminates it and deletes the VM', async () => {
    const appserver = await newAppserver();
    const { pool, calls, machines } = recordingPool(async (request) => hostFor(request));
    const deps = withPool(pool);
    await provisionAppserver(deps, appserver.id);
    // Placed on its VM and configuring when the cancel comes (the VM's SSH never answers).
    await database.pool.query("update appservers set state = 'configuring', failure_reason = null where id = $1", [
      appserver.id,
    ]);
    await database.pool.query('delete from graphile_worker._private_jobs');
    expect(await cancelAppserver(deps, appserver.id, 'cancelled on request')).toBe(true);
    expect((await provisioning.store.getAppserver(appserver.id))?.state).toBe('cancelled');
    const queued = await database.pool.query<{ payload: { appserverId: number } }>(
      `select j.payload from graphile_worker._private_jobs j
         join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'terminate_appserver'`,
    );
    expect(queued.rows.map((row) => row.payload.appserverId)).toEqual([appserver.id]);
    // The queued termination deletes the VM even though nothing answers on it.
    expect(machines.size).toBe(1);
    await terminateAppserver(deps, appserver.id);
    expect(calls.at(-1)).toBe(`release sbx-${appserver.id}-vm${count}`);
    expect(machines.size).toBe(0);
    expect((await provisioning.store.getAppserver(appserver.id))?.state).toBe('terminated');
  });

  it('reconcile deletes VMs no appserver owns and keeps the ones that are owned', async () => {
    const owned = await newAppserver();
    const { pool, calls, machines } = recordingPool(async (request) => hostFor(request));
    machines.set(`sbx-${owned.id}-vm${count}`, owned.id);
    machines.set('sbx-999999-gone', 999999);
    machines.set('sbx-handmade', null as unknown as number);
    const deps = withPool(pool);
    const drift = await findDrift(deps);
    expect(drift.filter((d) => d.kind === 'zombie_machine')).toEqual([
      { kind: 'zombie_machine', name: 'sbx-999999-gone', id: 'id-sbx-999999-gone', why: 'no appserver has id 999999' },
      { kind: 'zombie_machine', name: 'sbx-handmade', id: 'id-sbx-handmade', why: 'its name is not one the bot gives' },
    ]);
    await healDrift(
      deps,
      drift.filter((d) => d.kind === 'zombie_machine'),
    );
    expect(calls).toEqual(['remove sbx-999999-gone', 'remove sbx-handmade']);
    expect([...machines.keys()]).toEqual([`sbx-${owned.id}-vm${count}`]);
  });
});
