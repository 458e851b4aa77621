import { configuredDatabaseServers, createDatabaseAdmins } from '../app/databases';
import type { CheckResult, DoctorCheck } from './doctor-check';

/** One row per finding per registered database server: connect, may create databases/users/vhosts, anonymous MySQL users. */
export const checkDatabaseServers: DoctorCheck = async ({ config, env }) => {
  const servers = configuredDatabaseServers(config);
  if (servers.length === 0)
    return [
      {
        check: 'database servers',
        status: 'skip',
        detail: 'none registered (databases.* in sandbox.yml); persistent databases cannot be created',
      },
    ];
  const admins = createDatabaseAdmins(config, env);
  const results: CheckResult[] = [];
  for (const server of servers) {
    const check = `${server.kind} ${server.name}`;
    if (!env[server.urlEnv]) {
      results.push({
        check,
        status: 'fail',
        detail: `environment variable ${server.urlEnv} is not set`,
        hint: `set ${server.urlEnv} to the admin URL (see docs/databases.md)`,
      });
      continue;
    }
    const admin = admins.adminFor({ ...server, id: 0, configured: true, createdAt: new Date(), updatedAt: new Date() });
    for (const finding of await admin.check())
      results.push({
        check,
        status: finding.status,
        detail: finding.detail,
        ...(finding.hint ? { hint: finding.hint } : {}),
      });
    if (!server.acceptsNew)
      results.push({ check, status: 'ok', detail: 'accepts_new: false (keeps its sandboxes, takes no new ones)' });
  }
  return results;
};
