import { homedir } from 'node:os';
import type { Config } from '../../config/schema';
import {
  decideIsolation,
  defaultLocalWorkRoot,
  type SandboxIsolation,
} from '../../core/provisioning/sandbox-isolation';

/** The fact about this process that decides isolation: only root can run appservers as other users. */
export const canSwitchUsers = (): boolean => process.getuid?.() === 0;

/** Whether sandbox code is kept away from the bot with this configuration, in this process. */
export function isolationOf(config: Config, switchUsers = canSwitchUsers()): SandboxIsolation {
  return decideIsolation({
    provider: config.compute.provider,
    runAs: config.compute.local.run_as,
    canSwitchUsers: switchUsers,
  });
}

/** `compute.local.work_root`, or the default for this process (see `defaultLocalWorkRoot`). */
export function localWorkRoot(config: Config, isRoot = canSwitchUsers()): string {
  return config.compute.local.work_root ?? defaultLocalWorkRoot({ isRoot, home: homedir() });
}
