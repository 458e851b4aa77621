import { isSettingsMap, setOwn, type SettingsMap, type SettingsValue } from './types';

/**
 * Merges PR settings over repository default settings and returns a new mapping.
 *
 * Precedence: the PR wins. Where both sides hold a mapping under the same key,
 * the two mappings are merged the same way, recursively. Lists and scalars
 * from the PR replace the default outright (lists are not concatenated). An
 * explicit `null` in the PR removes the key, at any depth; keys the PR does
 * not mention keep their default. Neither input is mutated, and the result
 * shares no objects with them.
 *
 * @example
 * mergeSettings(
 *   { EDXAPP_FEATURES: { A: true, B: true }, LANGS: ['en', 'fr'], DEBUG: false },
 *   { EDXAPP_FEATURES: { B: false, C: true }, LANGS: ['de'], DEBUG: null },
 * );
 * // → { EDXAPP_FEATURES: { A: true, B: false, C: true }, LANGS: ['de'] }
 */
export function mergeSettings(defaults: SettingsMap, pr: SettingsMap): SettingsMap {
  const merged: SettingsMap = {};
  // Defaults keep their order; keys only the PR has follow, in the PR's order.
  for (const [key, value] of Object.entries(defaults)) {
    if (!Object.hasOwn(pr, key)) setOwn(merged, key, copySettingsValue(value));
    else mergeKey(merged, key, value, pr[key] as SettingsValue);
  }
  for (const [key, value] of Object.entries(pr)) {
    if (!Object.hasOwn(defaults, key)) mergeKey(merged, key, undefined, value);
  }
  return merged;
}

function mergeKey(merged: SettingsMap, key: string, base: SettingsValue | undefined, value: SettingsValue): void {
  if (value === null) return;
  if (isSettingsMap(value)) setOwn(merged, key, mergeSettings(isSettingsMap(base) ? base : {}, value));
  else setOwn(merged, key, copySettingsValue(value));
}

/** A deep copy of plain settings data. */
export function copySettingsValue(value: SettingsValue): SettingsValue {
  if (Array.isArray(value)) return value.map(copySettingsValue);
  if (!isSettingsMap(value)) return value;
  const copy: SettingsMap = {};
  for (const [key, child] of Object.entries(value)) setOwn(copy, key, copySettingsValue(child));
  return copy;
}
