/** A value in a settings mapping: plain JSON-compatible data, as YAML gives it. */
export type SettingsValue = null | boolean | number | string | SettingsValue[] | SettingsMap;

/** A settings mapping (the root of a settings block, or any nested mapping). */
export interface SettingsMap {
  [key: string]: SettingsValue;
}

/** Stable codes of settings errors; surfaces map them to words, never the other way round. */
export type SettingsErrorCode =
  | 'settings_unclosed_fence'
  | 'settings_too_large'
  | 'settings_yaml'
  | 'settings_duplicate_key'
  | 'settings_not_mapping'
  | 'settings_alias_limit'
  | 'settings_too_deep'
  | 'settings_denied_key'
  | 'settings_field_type';

/**
 * One problem with a PR's settings. `line` and `column` are 1-based and point
 * into the PR body (not into the block); null when no single place is to blame.
 */
export interface SettingsError {
  code: SettingsErrorCode;
  message: string;
  line: number | null;
  column: number | null;
}

/** A 1-based place in the PR body. */
export interface BodyPosition {
  line: number;
  column: number;
}

/** Limits that protect the parser and everything downstream of it. */
export const settingsLimits = {
  /** Largest settings block, in UTF-8 bytes. */
  maxBlockBytes: 64 * 1024,
  /** Deepest nesting of mappings and lists; the root mapping is level 1. */
  maxDepth: 32,
  /** yaml's `maxAliasCount`: how far aliases may expand before it counts as a YAML bomb. */
  maxAliasCount: 100,
  /** At most this many errors are reported for one block, so comments stay short. */
  maxErrors: 20,
} as const;

/** True for a settings mapping (not a list, not a scalar, not null). */
export function isSettingsMap(value: unknown): value is SettingsMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own property, also for the key `__proto__`, so data never reaches a prototype. */
export function setOwn(target: SettingsMap, key: string, value: SettingsValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    return;
  }
  target[key] = value;
}

/** Formats a body position for messages: `line 4, column 3`. */
export function describePosition(position: BodyPosition | null): string {
  return position ? `line ${position.line}, column ${position.column}` : 'the settings block';
}
