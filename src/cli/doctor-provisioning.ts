import { createProvisioning } from '../app/provisioning';
import { createSandboxStore } from '../infra/db/sandbox-store';
import { canSwitchUsers, isolationOf, localWorkRoot } from '../infra/hosts/local-isolation';
import { migrationsCurrent } from '../infra/db/migrate';
import { createLogger } from '../infra/logger';
import type { CheckResult, DoctorCheck } from './doctor-check';

/** Every host reachable with a writable work root, and the load balancer's configuration valid. */
export const checkHostsAndLoadBalancer: DoctorCheck = async ({ config, database, env }) => {
  if (!database) return [{ check: 'hosts', status: 'skip', detail: 'no database' }];
  if (!(await migrationsCurrent(database.pool)).current)
    return [{ check: 'hosts', status: 'skip', detail: 'the database is not migrated yet' }];
  const results: CheckResult[] = [];
  let provisioning;
  try {
    provisioning = await createProvisioning({
      config,
      db: database.db,
      logger: createLogger({ level: 'silent', format: 'json' }),
      env,
      obtainCertificate: false,
    });
  } catch (error) {
    return [
      {
        check: 'load balancer and dns',
        status: 'fail',
        detail: error instanceof Error ? error.message : String(error),
        hint: 'check load_balancer and dns in sandbox.yml',
      },
    ];
  }
  try {
    // VMs of the openstack provider are checked as they boot (SSH and work root); the cloud by its own check.
    for (const host of (await provisioning.store.listHosts()).filter((h) => h.provider !== 'openstack')) {
      const name = `host ${host.name}`;
      try {
        const transport = provisioning.hosts.transportFor(host);
        const probe = `${host.workRoot.replace(/\/+$/, '')}/.sbx-doctor`;
        await transport.writeFile(probe, 'ok\n');
        await transport.remove(probe);
        const git = await transport.exec(['git', '--version'], { timeoutMs: 15_000 });
        results.push(
          git.code === 0
            ? {
                check: name,
                status: 'ok',
                detail: `${host.provider === 'ssh' ? `${host.user}@${host.address}:${host.port}` : 'this machine'}, ${host.workRoot} writable, ${git.stdout.trim()}`,
              }
            : {
                check: name,
                status: 'fail',
                detail: 'git is not installed on the host',
                hint: 'install git on the host: deploys clone the repository there',
              },
        );
      } catch (error) {
        results.push({
          check: name,
          status: 'fail',
          detail: error instanceof Error ? error.message : String(error),
          hint: `check compute.hosts (${host.name}) in sandbox.yml: address, port, key, host_key_fingerprint, work_root`,
        });
      }
    }
    const lb = await provisioning.lb
      .check()
      .catch((error: unknown) => ({ ok: false, detail: error instanceof Error ? error.message : String(error) }));
    results.push({
      check: `load balancer (${provisioning.lb.kind})`,
      status: lb.ok ? 'ok' : 'fail',
      detail: lb.detail,
      ...(lb.ok ? {} : { hint: 'fix the load balancer configuration; see load_balancer in sandbox.yml' }),
    });
    if (provisioning.dns.check) {
      const dns = await provisioning.dns.check();
      results.push({
        check: `dns (${provisioning.dns.kind})`,
        status: dns.ok ? 'ok' : 'fail',
        detail: dns.detail,
        ...(dns.ok
          ? {}
          : { hint: 'check dns in sandbox.yml and the token in the environment variable dns.gandi.token_env' }),
      });
    }
  } finally {
    await provisioning.close();
  }
  return results;
};

/**
 * What runs as whom: a warning when PR code would run as the bot's own user
 * (local provider, bot not root or run_as null), and for every SSH host
 * whose user is root. `switchUsers` is injectable for tests.
 */
export function checkSandboxIsolation(switchUsers: () => boolean = canSwitchUsers): DoctorCheck {
  return async ({ config, database }) => {
    const results: CheckResult[] = [];
    const isolation = isolationOf(config, switchUsers());
    if (config.compute.provider === 'local') {
      results.push(
        isolation.isolated
          ? {
              check: 'sandbox isolation',
              status: 'ok',
              detail: `${isolation.detail}; work root ${localWorkRoot(config, switchUsers())}`,
            }
          : {
              check: 'sandbox isolation',
              status: 'warn',
              detail: `${isolation.detail}; fork PRs are not deployed unless their repository sets trigger.allow_forks_unisolated`,
              hint: 'run the bot as root (it then runs each sandbox as an OS user of its own, see compute.local.run_as), or deploy on SSH hosts',
            },
      );
    }
    const hosts = database
      ? await createSandboxStore(database.db)
          .listHosts()
          .catch(() => [])
      : [];
    const sshUsers = new Map<string, string>();
    for (const host of config.compute.hosts) sshUsers.set(host.name, host.user);
    for (const host of hosts) if (host.provider === 'ssh') sshUsers.set(host.name, host.user ?? 'root');
    for (const [name, user] of sshUsers) {
      if (user !== 'root') continue;
      results.push({
        check: `host ${name} user`,
        status: 'warn',
        detail: 'the SSH user is root: PR code on this host runs as root',
        hint: `use an unprivileged user that owns nothing of the bot's (compute.hosts: ${name}, user)`,
      });
    }
    return results;
  };
}
