import { SandboxError } from '../../core/errors';
import { resolveInstance } from '../../core/operations/resolve-instance';
import { instanceReference, type Runner } from './runner';

/** `/sandbox extend`: this version enforces no idle TTL, so there is nothing to push back; say so plainly. */
export const extend: Runner<'extend'> = async (deps, request, command) => {
  await deps.permissions.require(request.userId, 'deploy');
  const instance = await resolveInstance(deps.store, instanceReference(command));
  throw new SandboxError('conflict', `${instance.slug} does not expire: this version of the bot enforces no idle TTL yet, so there is nothing to extend`);
};
