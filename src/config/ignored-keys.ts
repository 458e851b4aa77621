/**
 * Keys the schema accepts in general but that would do nothing in this
 * configuration: a section for a provider or recipe that is not the chosen
 * one, a TLS port without TLS, credentials for a public sandbox. They are
 * refused (`sbx config check` and every start) instead of silently ignored,
 * each with the fix. Works on the raw values (before defaults fill in), so
 * only what the operator wrote is judged.
 */
export interface IgnoredKey {
  /** Dotted path, e.g. `load_balancer.nginx` or `repositories[0].tutor`. */
  path: string;
  message: string;
}

type Raw = Record<string, unknown>;

const recipeBlocks = { script: 'script', 'openedx-ansible': 'openedx_ansible', tutor: 'tutor', compose: 'compose' };

/** Every key in `raw` (sandbox.yml with the environment folded in) that the chosen providers and recipes ignore. */
export function findIgnoredKeys(raw: unknown): IgnoredKey[] {
  const found: IgnoredKey[] = [];
  const root = asObject(raw);
  const lb = asObject(root.load_balancer);
  const lbProvider = typeof lb.provider === 'string' ? lb.provider : 'builtin';
  for (const provider of ['builtin', 'nginx', 'haproxy'] as const) {
    if (lb[provider] !== undefined && lbProvider !== provider)
      found.push({
        path: `load_balancer.${provider}`,
        message: `only load_balancer.provider ${provider} reads it (the provider is ${lbProvider}); remove it or set provider: ${provider}`,
      });
  }
  if (lb.tls === undefined) {
    const tlsKeys = [
      ['builtin', 'tls_port'],
      ['nginx', 'tls_listen'],
      ['haproxy', 'tls_listen'],
    ] as const;
    for (const [provider, key] of tlsKeys)
      if (asObject(lb[provider])[key] !== undefined && lbProvider === provider)
        found.push({
          path: `load_balancer.${provider}.${key}`,
          message: 'HTTPS is off without load_balancer.tls; add load_balancer.tls or remove it',
        });
  }
  const dns = asObject(root.dns);
  const dnsProvider = typeof dns.provider === 'string' ? dns.provider : 'wildcard';
  if (dns.gandi !== undefined && dnsProvider !== 'gandi')
    found.push({
      path: 'dns.gandi',
      message: `only dns.provider gandi reads it (the provider is ${dnsProvider}); remove it or set provider: gandi`,
    });
  const compute = asObject(root.compute);
  const computeProvider = typeof compute.provider === 'string' ? compute.provider : 'local';
  if (compute.local !== undefined && computeProvider !== 'local')
    found.push({
      path: 'compute.local',
      message: `only compute.provider local reads it (the provider is ${computeProvider}); remove it or set provider: local`,
    });
  if (Array.isArray(compute.hosts) && compute.hosts.length > 0 && computeProvider === 'local')
    found.push({
      path: 'compute.hosts',
      message:
        'compute.provider local runs every appserver on this machine and records no SSH host; set provider: ssh or remove them',
    });
  const repositories = Array.isArray(root.repositories) ? root.repositories : [];
  repositories.forEach((entry, index) => found.push(...ignoredInRepository(asObject(entry), `repositories[${index}]`)));
  return found;
}

function ignoredInRepository(repository: Raw, at: string): IgnoredKey[] {
  const found: IgnoredKey[] = [];
  const recipe = typeof repository.recipe === 'string' ? repository.recipe : 'script';
  for (const [name, block] of Object.entries(recipeBlocks)) {
    if (repository[block] !== undefined && recipe !== name)
      found.push({
        path: `${at}.${block}`,
        message: `only recipe ${name} reads it (this repository's recipe is ${recipe}); remove it or set recipe: ${name}`,
      });
  }
  if (repository.databases !== undefined && recipe === 'tutor')
    found.push({
      path: `${at}.databases`,
      message: 'recipe tutor runs its own databases inside Tutor; remove it',
    });
  const access = typeof repository.access === 'string' ? repository.access : 'public';
  if (repository.access_credentials_env != null && access !== 'basic_auth')
    found.push({
      path: `${at}.access_credentials_env`,
      message: `only access: basic_auth uses credentials (access is ${access}); remove it or set access: basic_auth`,
    });
  return found;
}

function asObject(value: unknown): Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : {};
}
