import { SandboxError } from '../errors';
import type { Actor, Instance } from '../model';
import { makeDomains, validateSlug } from '../naming';
import type { Store } from '../ports/store';
import { mergeSettings, type SettingsMap } from '../settings';

export interface ManualInstanceRequest {
  slug: string;
  /** The configured repository whose recipe and defaults the instance uses. */
  repository: { name: string; url: string | null; defaultSettings: SettingsMap; defaultFields: Record<string, string>; extraDomainPrefixes: readonly string[] };
  ref: string;
  /** Overrides the repository's clone URL. */
  repoUrl?: string | null;
  /** Settings merged over the repository's defaults. */
  settings?: SettingsMap;
  globalFields: Record<string, string>;
  ephemeralDatabases: boolean;
  production?: boolean;
  baseDomain: string;
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
  const domains = makeDomains({ slug, baseDomain: request.baseDomain, prefixes: request.repository.extraDomainPrefixes });
  return store.transaction(async (tx) => {
    const instance = await tx.insertInstance({
      slug,
      domain: domains.domain,
      extraDomains: domains.domains.slice(1),
      kind: 'manual',
      prRepo: request.repository.name,
      repoUrl,
      ref,
      settings: mergeSettings(request.repository.defaultSettings, request.settings ?? {}) as Record<string, unknown>,
      fields: { ...request.globalFields, ...request.repository.defaultFields },
      databaseMode: request.ephemeralDatabases ? 'ephemeral' : 'persistent',
      production: request.production ?? false,
    });
    await tx.recordAudit({ actor: request.actor.id, surface: request.actor.surface, action: 'create', instanceId: instance.id, instanceSlug: slug, result: 'ok', detail: { repository: request.repository.name, ref } });
    return instance;
  });
}
