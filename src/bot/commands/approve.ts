import { SandboxError } from '../../core/errors';
import type { Runner } from './runner';

/** The parser keeps approve for PR comments; should it ever reach Slack, say where it works. */
export const approve: Runner<'approve'> = async () => {
  throw new SandboxError('usage', 'approve works in a pull request comment (`/sandbox approve`), where the pull request is known');
};
