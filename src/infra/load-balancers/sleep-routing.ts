import { SandboxError } from '../../core/errors';
import type { RouteTarget } from '../../core/ports/load-balancer';

/**
 * Where nginx or HAProxy reach the bot for sleep and wake: the web server
 * that answers a sleeping sandbox's requests (the waking page, Host kept),
 * and the UDP port that receives one syslog line per proxied request (the
 * bot's uptime probes left out), from which `instances.last_request_at` is kept.
 * Asked for at each apply: the ports may be known only once the bot listens.
 */
export type SleepRouting = () => { upstream: RouteTarget; requestLog: RouteTarget };

const ipv4Pattern = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const namePattern = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const ipv6Pattern = /^[0-9a-f:.]{2,45}$/;

/** `address:port` for the load balancer's text (IPv6 in brackets); throws on anything else, so nothing else reaches the text. */
export function botEndpoint(what: string, target: RouteTarget): string {
  const address = target.address.toLowerCase();
  const port = target.port;
  if (Number.isInteger(port) && port >= 1 && port <= 65_535) {
    if (ipv4Pattern.test(address) || namePattern.test(address)) return `${address}:${port}`;
    if (address.includes(':') && ipv6Pattern.test(address)) return `[${address}]:${port}`;
  }
  throw new SandboxError(
    'config_invalid',
    `sleep and wake: invalid ${what} ${JSON.stringify(`${target.address}:${target.port}`)}; check load_balancer.sleep.bot_address in sandbox.yml`,
  );
}

/** The line every proxied request sends to the bot (`sbx-request <slug> <client address>`); the receiver reads what follows it. */
export const requestLogMarker = 'sbx-request';
