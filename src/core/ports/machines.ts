/** What an appserver's machine is booted for. */
export interface MachineRequest {
  appserverId: number;
  slug: string;
  /** `owner/name` of the repository (its flavor and extra security groups); null for a manual sandbox without one. */
  repository: string | null;
  /** The appserver's merged settings: a PR may pick a flavor from the allow-list. */
  settings: Readonly<Record<string, unknown>>;
}

/** A booted machine that answers SSH, as the provisioning records it as a host. */
export interface MachineHost {
  name: string;
  address: string;
  port: number;
  user: string;
  workRoot: string;
  portRangeLow: number;
  portRangeHigh: number;
  privateKeyPath: string | null;
  privateKeyEnv: string | null;
  hostKeyFingerprint: string;
  /** The size it was booted with (the flavor). */
  size: string;
}

export interface PooledMachine {
  id: string;
  name: string;
  /** The appserver id the bot wrote into the name; null when the name has the bot's prefix but not its pattern. */
  appserverId: number | null;
}

/**
 * Machines made per appserver (compute.provider openstack): one VM each,
 * named `<prefix><appserver id>-<slug>`, deleted with the appserver.
 */
export interface MachinePool {
  readonly kind: 'openstack';
  /**
   * Boots the appserver's machine and waits until it is ACTIVE and SSH
   * answers with the work root writable. A machine of that name left by a
   * crashed attempt is deleted first. On any failure the new machine is
   * deleted and a SandboxError says why (quota, fault, timeout).
   */
  acquire(request: MachineRequest): Promise<MachineHost>;
  /** Deletes the machine named `name` and waits until it is gone; gone already is fine. */
  release(name: string): Promise<void>;
  /** Every machine of the project whose name has the bot's prefix. */
  list(): Promise<PooledMachine[]>;
  /** Deletes one machine by id (the zombie sweep); gone already is fine. */
  remove(machine: PooledMachine): Promise<void>;
  /** What differs between the bot's security group and the configuration, described; `apply` restores it. */
  firewall(apply: boolean): Promise<string[]>;
}
