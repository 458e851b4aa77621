import type { Config } from '../config/schema';
import { SandboxError } from '../core/errors';
import type { Store } from '../core/ports/store';
import type { SleepRouting } from '../infra/load-balancers/sleep-routing';
import { requestLogWanted } from '../config/request-log';

/** Where nginx/HAProxy reach the bot for sleep and wake; the ports are settled once the bot listens. */
export interface SleepEndpoints {
  /** What the load balancer renders; null: no request log and no sleep (builtin proxy, or a remote one without bot_address). */
  routing: SleepRouting | null;
  /** Whether sandboxes may sleep (a repository sets `sleep_after`): only then does the bot's web server answer their domains. */
  wakes: boolean;
  /** Where the web process listens for the request log (server.host and load_balancer.sleep.request_log_port). */
  requestLogBind: { host: string; port: number } | null;
  /** The web server's port, once bound (for server.port 0). */
  useWebPort(port: number): void;
  /** The request log receiver's port, once bound (for request_log_port 0). */
  useRequestLogPort(port: number): void;
}

/**
 * Sleep and wake and the request log behind nginx or HAProxy, from
 * sandbox.yml: on whenever the load balancer can reach the bot (see
 * `requestLogWanted`): the request log feeds `sleep_after` and the activity
 * report, and costs one UDP datagram per request. A port configured as 0 is known only once
 * the bot listens; a process that never listens (a worker alone) must be
 * given real ports, and says so when a route needs them.
 */
export function createSleepEndpoints(config: Config): SleepEndpoints {
  const lb = config.load_balancer;
  const enabled = requestLogWanted(config);
  let webPort = config.server.port;
  let logPort = lb.sleep.request_log_port;
  const address = lb.sleep.bot_address ?? reachable(config.server.host);
  const port = (value: number, what: string) => {
    if (value > 0) return value;
    throw new SandboxError(
      'config_invalid',
      `request log and sleep and wake: ${what} is 0 and this process does not listen on it; set a fixed port in sandbox.yml`,
    );
  };
  return {
    routing: enabled
      ? () => ({
          upstream: { address, port: port(webPort, 'server.port') },
          requestLog: { address, port: port(logPort, 'load_balancer.sleep.request_log_port') },
        })
      : null,
    wakes: enabled && config.repositories.some((r) => r.sleep_after !== null),
    requestLogBind: enabled ? { host: config.server.host, port: logPort } : null,
    useWebPort: (bound) => (webPort = bound),
    useRequestLogPort: (bound) => (logPort = bound),
  };
}

/** A wildcard listen address is reached over loopback. */
function reachable(host: string): string {
  if (host === '0.0.0.0' || host === '' || host === '*') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host.replace(/^\[|\]$/g, '');
}

/**
 * Routes written before sleep and wake was on (or with another bot address)
 * neither report requests nor know the bot: each live sandbox's route is
 * applied again (`settle_route`, one job per sandbox on its own queue). A
 * route already as wanted is left alone: no file written, no reload.
 */
export async function refreshRoutes(store: Store): Promise<void> {
  for (const instance of await store.listInstances()) {
    if (instance.activeAppserverId === null || instance.archivedAt || instance.deletedAt) continue;
    await store.enqueue(
      'settle_route',
      { appserverId: instance.activeAppserverId },
      { instanceId: instance.id, jobKey: `settle:${instance.id}` },
    );
  }
}
