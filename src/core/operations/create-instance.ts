import { SandboxError } from '../errors';
import type { Actor, Instance } from '../model';
import { makeDomains, validateSlug } from '../naming';
import type { Store } from '../ports/store';
import {
  chooseDatabaseMode,
  mergeSettings,
  resolveFields,
  type RecipeFieldDeclaration,
  type SettingsMap,
} from '../settings';
import { creatorOf } from '../quotas/find-quota-breach';
import { slugConflict } from './slug-conflict';

export { reservedSlugs } from './slug-conflict';

export interface ManualInstanceRequest {
  slug: string;
  /** The configured repository whose recipe and defaults the instance uses. */
  repository: {
    name: string;
    url: string | null;
    defaultSettings: SettingsMap;
    defaultFields: Record<string, string>;
    extraDomainPrefixes: readonly string[];
    /** Fields the recipe declares (defaults, aliases); the settings map to them as a PR's Settings block does. */
    recipeFields?: readonly RecipeFieldDeclaration[];
  };
  ref: string;
  /** Overrides the repository's clone URL. */
  repoUrl?: string | null;
  /** Settings merged over the repository's defaults. */
  settings?: SettingsMap;
  globalFields: Record<string, string>;
  ephemeralDatabases: boolean;
  production?: boolean;
  baseDomain: string;
  /** Slugs no sandbox may take (`www`, the bot's host name, `naming.reserved_slugs`). */
  reservedSlugs?: readonly string[];
  actor: Actor;
}

/** A ref must name a branch, tag or commit; it never starts with `-` (it must not read as an option anywhere). */
export function validateRef(ref: string): string {
  if (!/^[A-Za-z0-9._/][A-Za-z0-9._/-]{0,199}$/.test(ref) || ref.includes('..')) {
    throw new SandboxError(
      'usage',
      `invalid ref "${ref}": use a branch, tag or commit made of letters, digits, ".", "_", "/" and "-"`,
    );
  }
  return ref;
}

/** Creates a manual instance (`kind: manual`); the slug follows the same rules as PR slugs. */
export async function createManualInstance(store: Store, request: ManualInstanceRequest): Promise<Instance> {
  const slug = validateSlug(request.slug);
  const ref = validateRef(request.ref);
  const repoUrl = request.repoUrl ?? request.repository.url ?? `https://github.com/${request.repository.name}.git`;
  const domains = makeDomains({
    slug,
    baseDomain: request.baseDomain,
    prefixes: request.repository.extraDomainPrefixes,
  });
  const conflict = await slugConflict(store, {
    slug,
    domains: domains.domains,
    reservedSlugs: request.reservedSlugs ?? [],
  });
  if (conflict) throw conflict;
  const settings = request.settings ?? {};
  const fields = resolveFields({
    prSettings: settings,
    repositoryFields: request.repository.defaultFields,
    globalFields: request.globalFields,
    recipeFields: request.repository.recipeFields,
  });
  if (fields.errors.length > 0)
    throw new SandboxError(
      'settings_invalid',
      `settings of ${slug}: ${fields.errors.map((error) => error.message).join('; ')}`,
    );
  const merged = mergeSettings(request.repository.defaultSettings, settings);
  return store.transaction(async (tx) => {
    const instance = await tx.insertInstance({
      slug,
      domain: domains.domain,
      extraDomains: domains.domains.slice(1),
      kind: 'manual',
      prRepo: request.repository.name,
      repoUrl,
      ref,
      settings: merged as Record<string, unknown>,
      fields: fields.fields,
      // `ephemeral_databases: true|false` in the settings file wins over the repository/global default, as in a PR.
      databaseMode: chooseDatabaseMode({
        settings: merged,
        body: null,
        domain: domains.domain,
        repositoryDefault: request.ephemeralDatabases,
        globalDefault: request.ephemeralDatabases,
      }),
      production: request.production ?? false,
      createdBy: creatorOf(request.actor),
    });
    await tx.recordAudit({
      actor: request.actor.id,
      surface: request.actor.surface,
      action: 'create',
      instanceId: instance.id,
      instanceSlug: slug,
      result: 'ok',
      detail: { repository: request.repository.name, ref },
    });
    return instance;
  });
}
