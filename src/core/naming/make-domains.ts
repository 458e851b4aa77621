import { SandboxError } from '../errors';
import { sanitizeLabel } from './sanitize-label';

export interface InstanceDomains {
  /** `<slug>.<base_domain>`: the instance's own domain. */
  domain: string;
  /** The domain first, then one per recipe prefix: `studio-<slug>.<base_domain>`. */
  domains: string[];
}

/**
 * The domains of an instance. Prefixes join the slug with a hyphen, not a dot,
 * so one wildcard record and one wildcard certificate (`*.<base_domain>`)
 * cover every sandbox.
 */
export function makeDomains(input: {
  slug: string;
  baseDomain: string;
  prefixes?: readonly string[];
}): InstanceDomains {
  const base = input.baseDomain
    .trim()
    .toLowerCase()
    .replace(/^\.+|\.+$/g, '');
  if (base === '')
    throw new SandboxError(
      'usage',
      'the base domain is empty; set base_domain in sandbox.yml, e.g. sandbox.example.com',
    );
  const domain = `${input.slug}.${base}`;
  const domains = [domain];
  for (const prefix of input.prefixes ?? []) {
    const label = sanitizeLabel(prefix);
    const extra = label === '' ? null : `${label}-${domain}`;
    if (extra && !domains.includes(extra)) domains.push(extra);
  }
  return { domain, domains };
}

/** The longest prefix plus its hyphen: how much room a slug must leave in a 63-character label. */
export function measurePrefixRoom(prefixes: readonly string[]): number {
  let room = 0;
  for (const prefix of prefixes) {
    const label = sanitizeLabel(prefix);
    if (label !== '') room = Math.max(room, label.length + 1);
  }
  return room;
}
