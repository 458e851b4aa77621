import type { Config } from '../config/schema';
import type { Store } from '../core/ports/store';
import { localWorkRoot } from '../infra/hosts/local-isolation';

/** Records the configured hosts (the local machine, or the SSH hosts of sandbox.yml); hosts added with `sbx hosts add` stay. */
export async function syncHosts(store: Store, config: Config): Promise<void> {
  if (config.compute.provider === 'local') {
    const local = config.compute.local;
    await store.upsertHost({
      name: 'local',
      provider: 'local',
      address: '127.0.0.1',
      port: 0,
      capacity: local.capacity,
      portRangeLow: local.port_range[0],
      portRangeHigh: local.port_range[1],
      workRoot: localWorkRoot(config),
      fromConfig: true,
    });
    return;
  }
  for (const host of config.compute.hosts) {
    await store.upsertHost({
      name: host.name,
      provider: 'ssh',
      address: host.address,
      port: host.port,
      user: host.user,
      capacity: host.capacity,
      portRangeLow: host.port_range[0],
      portRangeHigh: host.port_range[1],
      workRoot: host.work_root,
      labels: host.labels,
      privateKeyPath: host.private_key_path,
      privateKeyEnv: host.private_key_env,
      hostKeyFingerprint: host.host_key_fingerprint,
      knownHosts: host.known_hosts,
      fromConfig: true,
    });
  }
}
