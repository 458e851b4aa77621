import { isSecretKey } from './deny-list';
import { isSettingsMap, type SettingsValue } from './types';

export const maskedValue = '***';

/**
 * A copy of the settings for display: every value under a key that looks
 * secret (passwords, tokens, keys, credentials) — the whole subtree — is
 * replaced by `***`. Example: `{ DB: { PASSWORD: 'x', HOST: 'h' } }` →
 * `{ DB: { PASSWORD: '***', HOST: 'h' } }`.
 */
export function maskSecretSettings(value: SettingsValue): SettingsValue {
  if (Array.isArray(value)) return value.map(maskSecretSettings);
  if (!isSettingsMap(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, isSecretKey(key) && child !== null ? maskedValue : maskSecretSettings(child)]));
}
