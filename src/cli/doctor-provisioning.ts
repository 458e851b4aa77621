import { createProvisioning } from '../app/provisioning';
import { migrationsCurrent } from '../infra/db/migrate';
import { createLogger } from '../infra/logger';
import type { CheckResult, DoctorCheck } from './commands/doctor';

/** Every host reachable with a writable work root, and the load balancer's configuration valid. */
export const checkHostsAndLoadBalancer: DoctorCheck = async ({ config, database, env }) => {
  if (!database) return [{ check: 'hosts', status: 'skip', detail: 'no database' }];
  if (!(await migrationsCurrent(database.pool)).current) return [{ check: 'hosts', status: 'skip', detail: 'the database is not migrated yet' }];
  const results: CheckResult[] = [];
  let provisioning;
  try {
    provisioning = await createProvisioning({ config, db: database.db, logger: createLogger({ level: 'silent', format: 'json' }), env });
  } catch (error) {
    return [{ check: 'load balancer', status: 'fail', detail: error instanceof Error ? error.message : String(error), hint: 'check load_balancer in sandbox.yml' }];
  }
  try {
    for (const host of await provisioning.store.listHosts()) {
      const name = `host ${host.name}`;
      try {
        const transport = provisioning.hosts.transportFor(host);
        const probe = `${host.workRoot.replace(/\/+$/, '')}/.sbx-doctor`;
        await transport.writeFile(probe, 'ok\n');
        await transport.remove(probe);
        const git = await transport.exec(['git', '--version'], { timeoutMs: 15_000 });
        results.push(
          git.code === 0
            ? { check: name, status: 'ok', detail: `${host.provider === 'ssh' ? `${host.user}@${host.address}:${host.port}` : 'this machine'}, ${host.workRoot} writable, ${git.stdout.trim()}` }
            : { check: name, status: 'fail', detail: 'git is not installed on the host', hint: 'install git on the host: deploys clone the repository there' },
        );
      } catch (error) {
        results.push({ check: name, status: 'fail', detail: error instanceof Error ? error.message : String(error), hint: `check compute.hosts (${host.name}) in sandbox.yml: address, port, key, host_key_fingerprint, work_root` });
      }
    }
    const lb = await provisioning.lb.check().catch((error: unknown) => ({ ok: false, detail: error instanceof Error ? error.message : String(error) }));
    results.push({ check: `load balancer (${provisioning.lb.kind})`, status: lb.ok ? 'ok' : 'fail', detail: lb.detail, ...(lb.ok ? {} : { hint: 'fix the load balancer configuration; see load_balancer in sandbox.yml' }) });
  } finally {
    await provisioning.close();
  }
  return results;
};
