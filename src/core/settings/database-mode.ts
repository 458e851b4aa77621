import type { TopLevelKey } from './inspect-settings-tree';
import { splitLines } from './split-lines';
import { describePosition, type SettingsError, type SettingsMap } from './types';

export type DatabaseMode = 'ephemeral' | 'persistent';

/** The settings key that selects the database mode. */
export const databaseSettingKey = 'ephemeral_databases';

export interface ChooseDatabaseModeInput {
  /** The merged settings (repository defaults under the PR block). */
  settings: SettingsMap;
  body: string | null | undefined;
  /** The instance's domain, `<slug>.<base_domain>`. */
  domain: string;
  /** `repositories[].ephemeral_databases`; null: use the global default. */
  repositoryDefault: boolean | null;
  /** `defaults.ephemeral_databases`. */
  globalDefault: boolean;
}

/**
 * Throwaway or persistent databases. Precedence: `ephemeral_databases: true|false`
 * in the merged settings; then a `(ephemeral databases)` / `(persistent databases)`
 * marker on a line of the body that names the instance's domain; then the
 * repository default; then the global default.
 */
export function chooseDatabaseMode(input: ChooseDatabaseModeInput): DatabaseMode {
  const setting = input.settings[databaseSettingKey];
  if (typeof setting === 'boolean') return setting ? 'ephemeral' : 'persistent';
  const marker = findDatabaseMarker(input.body, input.domain);
  if (marker) return marker;
  return (input.repositoryDefault ?? input.globalDefault) ? 'ephemeral' : 'persistent';
}

const ephemeralMarker = /\(\s*ephemeral\s+databases?\s*\)/i;
const persistentMarker = /\(\s*persistent\s+databases?\s*\)/i;

/**
 * The database marker on the first line of the body that contains the domain
 * (case-insensitive, not as part of a longer name) and a marker. When one line
 * carries both markers, ephemeral wins, as it did in the predecessor.
 */
export function findDatabaseMarker(body: string | null | undefined, domain: string): DatabaseMode | null {
  if (typeof body !== 'string' || domain === '') return null;
  const wanted = domain.toLowerCase();
  for (const line of splitLines(body)) {
    if (line.length < wanted.length || !containsDomain(line.toLowerCase(), wanted)) continue;
    if (ephemeralMarker.test(line)) return 'ephemeral';
    if (persistentMarker.test(line)) return 'persistent';
  }
  return null;
}

function containsDomain(line: string, domain: string): boolean {
  for (let at = line.indexOf(domain); at !== -1; at = line.indexOf(domain, at + 1)) {
    const before = line[at - 1] ?? ' ';
    const after = line[at + domain.length] ?? ' ';
    if (!/[a-z0-9]/.test(before) && !/[a-z0-9-]/.test(after)) return true;
  }
  return false;
}

/** A settings error when the PR sets `ephemeral_databases` to anything but true or false. */
export function checkDatabaseSetting(
  prSettings: SettingsMap,
  topLevelKeys?: ReadonlyMap<string, TopLevelKey>,
): SettingsError | null {
  const value = prSettings[databaseSettingKey];
  if (value === undefined || value === null || typeof value === 'boolean') return null;
  const position = topLevelKeys?.get(databaseSettingKey)?.position ?? null;
  return {
    code: 'settings_field_type',
    message: `settings ${describePosition(position)}: ${databaseSettingKey} must be true or false; write ${databaseSettingKey}: true for throwaway databases or false for persistent ones`,
    line: position?.line ?? null,
    column: position?.column ?? null,
  };
}
