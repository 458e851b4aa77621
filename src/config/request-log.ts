import type { Config } from './schema';

/**
 * Whether nginx/HAProxy send the bot one UDP line per proxied request (the
 * request log): always with nginx or HAProxy on this machine, and with a
 * remote one once `load_balancer.sleep.bot_address` says where the bot is
 * (a remote load balancer could not reach the bot's loopback). It feeds
 * `sleep_after` and the activity report's hits and unique visitors.
 */
export function requestLogWanted(config: Config): boolean {
  const lb = config.load_balancer;
  if (lb.provider === 'builtin') return false;
  const remote = (lb.provider === 'nginx' ? lb.nginx?.host : lb.haproxy?.host) ?? null;
  return remote === null || lb.sleep.bot_address !== null;
}

/** Whether the activity report can count hits and visitors: the builtin proxy counts them, nginx/HAProxy report them. */
export function hitsMeasured(config: Config): boolean {
  return config.load_balancer.provider === 'builtin' || requestLogWanted(config);
}
