import type { TopLevelKey } from './inspect-settings-tree';
import { describePosition, type SettingsError, type SettingsMap } from './types';

/** The settings key with which a PR (or a repository's default settings) picks a VM flavor. */
export const flavorSettingKey = 'sandbox_flavor';

export interface ChooseFlavorInput {
  /** The appserver's merged settings. */
  settings: Readonly<Record<string, unknown>>;
  /** `repositories[].flavor`; null: the default. */
  repositoryFlavor: string | null;
  /** `compute.openstack.flavor`. */
  defaultFlavor: string;
  /** The default flavor and `allowed_flavors`. */
  allowed: readonly string[];
}

/**
 * The flavor of an appserver's VM. Precedence: `sandbox_flavor` in the merged
 * settings (PR over repository defaults), then the repository's `flavor`,
 * then the default. Only allowed flavors are returned; anything else is a
 * reason to refuse. Example: settings `{ sandbox_flavor: 'm1.large' }`,
 * allowed `['m1.small', 'm1.large']` → `m1.large`.
 */
export function chooseFlavor(input: ChooseFlavorInput): { ok: true; flavor: string } | { ok: false; reason: string } {
  const setting = input.settings[flavorSettingKey];
  const wanted = typeof setting === 'string' ? setting : (input.repositoryFlavor ?? input.defaultFlavor);
  if (setting !== undefined && setting !== null && typeof setting !== 'string')
    return { ok: false, reason: `${flavorSettingKey} must be a flavor name; allowed: ${input.allowed.join(', ')}` };
  if (!input.allowed.includes(wanted))
    return { ok: false, reason: `flavor ${wanted} is not allowed; allowed: ${input.allowed.join(', ')}` };
  return { ok: true, flavor: wanted };
}

/**
 * A settings error when the PR sets `sandbox_flavor` to something not
 * allowed; `allowed` null means the compute provider has no flavors, so any
 * value is refused rather than ignored.
 */
export function checkFlavorSetting(
  prSettings: SettingsMap,
  allowed: readonly string[] | null,
  topLevelKeys?: ReadonlyMap<string, TopLevelKey>,
): SettingsError | null {
  const value = prSettings[flavorSettingKey];
  if (value === undefined || value === null) return null;
  if (allowed !== null && typeof value === 'string' && allowed.includes(value)) return null;
  const position = topLevelKeys?.get(flavorSettingKey)?.position ?? null;
  return {
    code: 'settings_field_type',
    message:
      allowed === null
        ? `settings ${describePosition(position)}: ${flavorSettingKey} works only with compute.provider openstack; remove it`
        : `settings ${describePosition(position)}: ${flavorSettingKey} must be one of ${allowed.join(', ')}`,
    line: position?.line ?? null,
    column: position?.column ?? null,
  };
}
