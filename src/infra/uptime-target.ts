import type { Config } from '../config/schema';

/**
 * Where uptime probes reach the load balancer: `uptime.url` when set; else
 * the builtin proxy (this process's web port, or server.port), or a local
 * nginx/haproxy's HTTP listen port. Null when nothing local can be named (a
 * load balancer on another host needs `uptime.url`).
 */
export function uptimeBaseUrl(config: Config, webPort: number | null): string | null {
  if (config.uptime.url) return config.uptime.url.replace(/\/+$/, '');
  const lb = config.load_balancer;
  if (lb.provider === 'builtin') {
    const port = webPort ?? (config.server.port || null);
    return port === null ? null : `http://${reachable(config.server.host)}:${port}`;
  }
  const local = lb.provider === 'nginx' ? lb.nginx : lb.haproxy;
  if (!local || local.host) return null;
  const listen = String(local.listen);
  const match = /^(.*):(\d+)$/.exec(listen);
  return match ? `http://${reachable(match[1]!)}:${match[2]}` : `http://127.0.0.1:${listen}`;
}

/** A wildcard listen address is reached over loopback. */
function reachable(host: string): string {
  if (host === '0.0.0.0' || host === '' || host === '*') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
