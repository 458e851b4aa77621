import { maskUrlUserinfo } from '../secret-names';
import { isSecretKey } from './deny-list';
import { isSettingsMap, type SettingsValue } from './types';

export const maskedValue = '***';

/**
 * A copy of the settings for display: every value under a key that looks
 * secret (passwords, tokens, keys, credentials, DSNs, or a name listed in
 * `extraPatterns`) — the whole subtree — is replaced by `***`, and so is the
 * password in any URL value. Example: `{ DB: { PASSWORD: 'x', URL: 'pg://a:b@h' } }`
 * → `{ DB: { PASSWORD: '***', URL: 'pg://a:***@h' } }`.
 */
export function maskSecretSettings(value: SettingsValue, extraPatterns: readonly string[] = []): SettingsValue {
  if (typeof value === 'string') return maskUrlUserinfo(value);
  if (Array.isArray(value)) return value.map((item) => maskSecretSettings(item, extraPatterns));
  if (!isSettingsMap(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      isSecretKey(key, extraPatterns) && child !== null ? maskedValue : maskSecretSettings(child, extraPatterns),
    ]),
  );
}
