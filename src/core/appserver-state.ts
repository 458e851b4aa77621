import { SandboxError } from './errors';

/** AppServer lifecycle (SPEC §4). */
export const appserverStates = [
  'new',
  'waiting',
  'configuring',
  'running',
  'failed',
  'error',
  'cancelled',
  'terminated',
] as const;
export type AppserverState = (typeof appserverStates)[number];

/**
 * The whole transition table. `waiting`: a host and port are being secured;
 * `configuring`: the deploy runs on the host; `error`: no host could be had;
 * `failed`: deploy or health check failed; `cancelled`: superseded or stopped
 * by a person. Every non-terminated state may be terminated.
 */
export const appserverTransitions: Readonly<Record<AppserverState, readonly AppserverState[]>> = {
  new: ['waiting', 'error', 'cancelled', 'terminated'],
  waiting: ['configuring', 'error', 'failed', 'cancelled', 'terminated'],
  configuring: ['running', 'failed', 'error', 'cancelled', 'terminated'],
  running: ['failed', 'terminated'],
  failed: ['terminated'],
  error: ['terminated'],
  cancelled: ['terminated'],
  terminated: [],
};

export function canTransition(from: AppserverState, to: AppserverState): boolean {
  return appserverTransitions[from].includes(to);
}

/** Returns `to`, or throws `illegal_transition`: an illegal transition is a bug. */
export function transition(from: AppserverState, to: AppserverState): AppserverState {
  if (!canTransition(from, to)) {
    throw new SandboxError(
      'illegal_transition',
      `appserver cannot go from ${from} to ${to}; allowed from ${from}: ${appserverTransitions[from].join(', ') || 'nothing (final)'}`,
    );
  }
  return to;
}

/** States in which an appserver holds a host slot and a port. */
export const liveStates: readonly AppserverState[] = ['new', 'waiting', 'configuring', 'running'];
/** Every state but `terminated`: the appserver may still have a work directory, processes or a machine. */
export const unterminatedStates: readonly AppserverState[] = appserverStates.filter((state) => state !== 'terminated');
/** States in which a deploy is still under way. */
export const unfinishedStates: readonly AppserverState[] = ['new', 'waiting', 'configuring'];

export const isAppserverState = (value: string): value is AppserverState =>
  (appserverStates as readonly string[]).includes(value);
