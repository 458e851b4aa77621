import { isSecretKey, isSecretValue, isSettingsMap, type SettingsMap, type SettingsValue } from '../settings';

/**
 * The repository's default settings without anything secret, for pull
 * requests from forks: code from outside never receives the configuration's
 * secrets. Dropped: every key that looks secret or matches `secretPatterns`
 * (the repository's `secret_settings`) — the whole subtree — and every value
 * that is a URL with a user or password in it.
 * Example: `{ DB: { PASSWORD: 'x', NAME: 'app' }, DATABASE_URL: 'pg://a:b@h/d' }` → `{ DB: { NAME: 'app' } }`.
 */
export function withoutSecretSettings(settings: SettingsMap, secretPatterns: readonly string[] = []): SettingsMap {
  return strip(settings, secretPatterns) as SettingsMap;
}

function strip(value: SettingsValue, secretPatterns: readonly string[]): SettingsValue {
  if (Array.isArray(value))
    return value.filter((item) => !isSecretValue(item)).map((item) => strip(item, secretPatterns));
  if (!isSettingsMap(value)) return value;
  const kept: SettingsMap = {};
  for (const [key, child] of Object.entries(value)) {
    if (isSecretKey(key, secretPatterns) || isSecretValue(child)) continue;
    Object.defineProperty(kept, key, {
      value: strip(child, secretPatterns),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return kept;
}
