import { SandboxError } from '../errors';
import type { Actor, Instance } from '../model';
import { makeDomains, validateSlug } from '../naming';
import type { Store } from '../ports/store';
import { chooseDatabaseMode, mergeSettings, resolveFields, type RecipeFieldDeclaration, type SettingsMap } from '../settings';

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
    throw new SandboxError('usage', `invalid ref "${ref}": use a branch, tag or commit made of letters, digits, ".", "_", "/" and "-"`);
  }
  return ref;
}

/** Creates a manual instance (`kind: manual`); the slug follows the same rules as PR slugs. */
export async function createManualInstance(store: Store, request: ManualInstanceRequest): Promise<Instance> {
  const slug = validateSlug(request.slug);
  const ref = validateRef(request.ref);
  const repoUrl = request.repoUrl ?? request.repository.url ?? `https://github.com/${request.repository.name}.git`;
  if (await store.findInstanceBySlug(slug)) throw new SandboxError('conflict', `a sandbox named ${slug} exists already; pick another slug`);
  if (request.reservedSlugs?.includes(slug)) throw new SandboxError('usage', `the slug ${slug} is reserved (www, the bot's own host name and naming.reserved_slugs in sandbox.yml); pick another slug`);
  const domains = makeDomains({ slug, baseDomain: request.baseDomain, prefixes: request.repository.extraDomainPrefixes });
  await refuseDomainCollisions(store, slug, domains.domains);
  const settings = request.settings ?? {};
  const fields = resolveFields({ prSettings: settings, repositoryFields: request.repository.defaultFields, globalFields: request.globalFields, recipeFields: request.repository.recipeFields });
  if (fields.errors.length > 0) throw new SandboxError('settings_invalid', `settings of ${slug}: ${fields.errors.map((error) => error.message).join('; ')}`);
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
      databaseMode: chooseDatabaseMode({ settings: merged, body: null, domain: domains.domain, repositoryDefault: request.ephemeralDatabases, globalDefault: request.ephemeralDatabases }),
      production: request.production ?? false,
    });
    await tx.recordAudit({ actor: request.actor.id, surface: request.actor.surface, action: 'create', instanceId: instance.id, instanceSlug: slug, result: 'ok', detail: { repository: request.repository.name, ref } });
    return instance;
  });
}

/**
 * Refuses a sandbox whose domains another sandbox already serves: a manual
 * `studio-foo` would take the Studio domain of `foo`, and `foo` created after
 * a `studio-foo` would take that sandbox's main domain.
 */
async function refuseDomainCollisions(store: Store, slug: string, domains: readonly string[]): Promise<void> {
  for (const domain of domains) {
    const owner = await store.findInstanceByDomain(domain);
    if (owner && owner.slug !== slug) {
      throw new SandboxError('conflict', `the sandbox ${slug} would serve ${domain}, which the sandbox ${owner.slug} serves already; pick another slug`);
    }
  }
}

/** The slugs no sandbox may take: `www`, the first label of the bot's own host name under the base domain, and the configured ones. */
export function reservedSlugs(options: { baseDomain: string; publicUrl: string | null; configured: readonly string[] }): string[] {
  const reserved = new Set(['www', ...options.configured]);
  const host = options.publicUrl && URL.canParse(options.publicUrl) ? new URL(options.publicUrl).hostname.toLowerCase() : '';
  if (host.endsWith(`.${options.baseDomain}`)) reserved.add(host.slice(0, -options.baseDomain.length - 1).split('.').pop()!);
  return [...reserved];
}
