import type { RecipeFieldDeclaration, SettingsMap } from '../../settings';

/** A configured repository as manual sandboxes use it (recipe domains and defaults resolved). */
export interface ManualRepository {
  name: string;
  url: string | null;
  defaultSettings: SettingsMap;
  defaultFields: Record<string, string>;
  extraDomainPrefixes: readonly string[];
  /** Fields the recipe declares (defaults, aliases); settings map to them as a PR's Settings block does. */
  recipeFields?: readonly RecipeFieldDeclaration[];
  ephemeralDatabases: boolean;
}

/** The configured repositories manual sandboxes are made from (built from sandbox.yml by src/app). */
export interface ManualCatalog {
  /** By `owner/name`, its clone URL or its GitHub URL; null when none is configured so. */
  find(reference: string): ManualRepository | null;
  names(): string[];
  globalFields: Record<string, string>;
  baseDomain: string;
  /** Slugs no sandbox may take (`www`, the bot's host name, `naming.reserved_slugs`). */
  reservedSlugs: readonly string[];
}
