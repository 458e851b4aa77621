import type { RepositoryConfig } from '../../config/schema';
import { defaultProxySettings } from '../../core/ports/load-balancer';
import type { ProxySettings } from '../../core/ports/other-ports';

/** What every recipe's routes get unless the recipe or the repository says otherwise. */
export { defaultProxySettings };

/** `100m`, `512k`, `1g` or plain bytes, as nginx writes sizes. */
export function parseSize(text: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(text.trim());
  if (!match) throw new RangeError(`invalid size "${text}"`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(match[1]) * unit;
}

/** The repository's `proxy:` block over the recipe's defaults. */
export function proxySettingsOf(
  repository: RepositoryConfig,
  recipeDefaults: ProxySettings = defaultProxySettings,
): ProxySettings {
  const proxy = repository.proxy;
  return {
    forwardedHeaders: proxy.forwarded_headers ?? recipeDefaults.forwardedHeaders,
    maxBodyBytes: proxy.max_body_size === null ? recipeDefaults.maxBodyBytes : parseSize(proxy.max_body_size),
    connectTimeoutMs: proxy.connect_timeout ?? recipeDefaults.connectTimeoutMs,
    readTimeoutMs: proxy.read_timeout ?? recipeDefaults.readTimeoutMs,
  };
}
