import { unfinishedStates, type AppserverState } from './appserver-state';
import type { Appserver, Instance } from './model';

/** What an instance is doing, in one word, for lists, badges and filters. */
export const instanceStatuses = [
  'new',
  'deploying',
  'running',
  'sleeping',
  'down',
  'failed',
  'cancelled',
  'idle',
  'archived',
  'deleted',
] as const;
export type InstanceStatus = (typeof instanceStatuses)[number];

export interface InstanceStatusInput {
  archived: boolean;
  deleted: boolean;
  /** State of the active appserver, if any. */
  activeState: AppserverState | null;
  /** State of the newest appserver, if any. */
  latestState: AppserverState | null;
  /** Whether any appserver is still deploying (new, waiting, configuring). */
  deploying: boolean;
  /** Whether the running active appserver was put to sleep for lack of requests. */
  sleeping: boolean;
  /** Whether uptime probes found the running active appserver not answering. */
  down: boolean;
}

/**
 * Sums an instance up: deleted and archived win; then a deploy under way;
 * then a running active appserver (asleep, down, or plainly running); then
 * the newest appserver's outcome.
 * Example: active appserver 2 running, appserver 3 configuring → `deploying`.
 */
export function instanceStatus(input: InstanceStatusInput): InstanceStatus {
  if (input.deleted) return 'deleted';
  if (input.archived) return 'archived';
  if (input.deploying || (input.latestState !== null && unfinishedStates.includes(input.latestState)))
    return 'deploying';
  if (input.activeState === 'running') return input.sleeping ? 'sleeping' : input.down ? 'down' : 'running';
  if (input.latestState === null) return 'new';
  if (input.latestState === 'failed' || input.latestState === 'error' || input.activeState === 'failed')
    return 'failed';
  if (input.latestState === 'cancelled') return 'cancelled';
  return 'idle';
}

/** The status of an instance from its record and its appservers: the one word every surface shows. */
export function statusOfInstance(
  instance: Pick<Instance, 'archivedAt' | 'deletedAt' | 'activeAppserverId'> &
    Partial<Pick<Instance, 'sleepingSince' | 'downSince'>>,
  appservers: readonly Pick<Appserver, 'id' | 'number' | 'state'>[],
): InstanceStatus {
  const newest = appservers.reduce<Pick<Appserver, 'number' | 'state'> | null>(
    (latest, a) => (!latest || a.number > latest.number ? a : latest),
    null,
  );
  const active = appservers.find((a) => a.id === instance.activeAppserverId) ?? null;
  return instanceStatus({
    archived: instance.archivedAt !== null,
    deleted: instance.deletedAt !== null,
    activeState: active?.state ?? null,
    latestState: newest?.state ?? null,
    deploying: appservers.some((a) => unfinishedStates.includes(a.state)),
    sleeping: (instance.sleepingSince ?? null) !== null,
    down: (instance.downSince ?? null) !== null,
  });
}
