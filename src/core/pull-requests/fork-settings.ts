import { isSecretKey, isSettingsMap, type SettingsMap, type SettingsValue } from '../settings';

/**
 * The repository's default settings without any key that holds a secret
 * (passwords, tokens, keys, credentials — the whole subtree), for pull
 * requests from forks: code from outside never receives the configuration's
 * secrets. Example: `{ DB: { PASSWORD: 'x', NAME: 'app' } }` → `{ DB: { NAME: 'app' } }`.
 */
export function withoutSecretSettings(settings: SettingsMap): SettingsMap {
  return strip(settings) as SettingsMap;
}

function strip(value: SettingsValue): SettingsValue {
  if (Array.isArray(value)) return value.map(strip);
  if (!isSettingsMap(value)) return value;
  const kept: SettingsMap = {};
  for (const [key, child] of Object.entries(value)) {
    if (!isSecretKey(key)) Object.defineProperty(kept, key, { value: strip(child), enumerable: true, writable: true, configurable: true });
  }
  return kept;
}
