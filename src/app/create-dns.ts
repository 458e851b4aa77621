import type { Config } from '../config/schema';
import { SandboxError } from '../core/errors';
import type { DnsProvider } from '../core/ports/other-ports';
import { createGandiDns } from '../infra/dns/gandi';
import { createWildcardDns } from '../infra/dns/wildcard';
import type { Logger } from '../infra/logger';

/** The DNS provider for `dns` in sandbox.yml; the Gandi token comes from the environment variable `dns.gandi.token_env`. */
export function createDns(config: Config, env: NodeJS.ProcessEnv, logger: Logger): DnsProvider {
  const gandi = config.dns.gandi;
  if (config.dns.provider === 'wildcard' || !gandi) return createWildcardDns();
  const token = env[gandi.token_env];
  if (!token)
    throw new SandboxError(
      'config_invalid',
      `dns.provider gandi: the environment variable ${gandi.token_env} (dns.gandi.token_env) holding the Gandi personal access token is not set`,
    );
  return createGandiDns({
    apiUrl: gandi.api_url,
    token,
    zone: gandi.zone,
    record: { type: gandi.record_type, value: gandi.target },
    ttl: gandi.ttl,
    logger,
  });
}
