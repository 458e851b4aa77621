import { SandboxError } from '../errors';
import type { Actor, Instance } from '../model';
import type { Store } from '../ports/store';
import { mergeSettings, type SettingsMap } from '../settings';

const tagPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Adds (`tag`) or removes (`untag`) tags on an instance; returns its tags after. */
export async function changeTags(
  store: Store,
  instance: Instance,
  change: { add?: readonly string[]; remove?: readonly string[]; actor: Actor },
): Promise<string[]> {
  const add = change.add ?? [];
  const remove = change.remove ?? [];
  for (const tag of [...add, ...remove]) {
    if (!tagPattern.test(tag))
      throw new SandboxError('usage', `invalid tag "${tag}": use letters, digits, ".", "_" and "-" (at most 63)`);
  }
  return store.transaction(async (tx) => {
    await tx.addTags(instance.id, add);
    await tx.removeTags(instance.id, remove);
    await tx.recordAudit({
      actor: change.actor.id,
      surface: change.actor.surface,
      action: add.length > 0 ? 'tag' : 'untag',
      instanceId: instance.id,
      instanceSlug: instance.slug,
      result: 'ok',
      detail: { add, remove },
    });
    return tx.listTags(instance.id);
  });
}

/** Parses `NAME=VALUE` pairs (`--field`); a name is letters, digits and `_`. */
export function parseFieldAssignments(pairs: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const name = at > 0 ? pair.slice(0, at) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new SandboxError('usage', `--field ${pair}: expected NAME=VALUE, e.g. openedx_release=quince.1`);
    fields[name] = pair.slice(at + 1);
  }
  return fields;
}

/**
 * Changes a sandbox's fields and settings: fields are replaced by name, and
 * the settings mapping is deep-merged over the current settings (`null`
 * removes a key), as a PR's settings block is over the repository's
 * defaults. Nothing deploys: `sbx deploy` does.
 */
export async function setInstanceFields(
  store: Store,
  instance: Instance,
  change: { fields?: Record<string, string>; settings?: SettingsMap; actor: Actor },
): Promise<Instance> {
  if (instance.deletedAt) throw new SandboxError('conflict', `${instance.slug} is deleted`);
  return store.transaction(async (tx) => {
    await tx.lockInstance(instance.id);
    const current = (await tx.getInstance(instance.id)) ?? instance;
    const settings = change.settings
      ? (mergeSettings(current.settings as SettingsMap, change.settings) as Record<string, unknown>)
      : current.settings;
    const updated = await tx.updateInstance(instance.id, {
      fields: { ...current.fields, ...(change.fields ?? {}) },
      settings,
    });
    await tx.recordAudit({
      actor: change.actor.id,
      surface: change.actor.surface,
      action: 'set',
      instanceId: instance.id,
      instanceSlug: instance.slug,
      result: 'ok',
      detail: { fields: Object.keys(change.fields ?? {}), settings: Object.keys(change.settings ?? {}) },
    });
    return updated;
  });
}
