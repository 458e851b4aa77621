import type { DnsProvider } from '../../core/ports/other-ports';

/** `*.<base_domain>` already points at the load balancer: nothing to create or remove. */
export function createWildcardDns(): DnsProvider {
  return { kind: 'wildcard', ensure: async () => undefined, remove: async () => undefined };
}
