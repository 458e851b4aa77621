import { posix } from 'node:path';
import type { Host } from '../core/model';
import type { HostTransport } from '../core/ports/host-transport';
import { createSandboxStore } from '../infra/db/sandbox-store';
import { migrationsCurrent } from '../infra/db/migrate';
import { createHostDirectory } from '../infra/hosts/host-directory';
import { isolationOf } from '../infra/hosts/local-isolation';
import type { CheckResult, DoctorCheck } from './doctor-check';

/** Free space a work root needs by default: a checkout, its dependencies and logs of a few sandboxes. */
export const defaultMinFreeBytes = 2 * 1024 ** 3;

/**
 * Free space on the file system of every host's work root (`df -Pk`): a
 * failure below `minFreeBytes` (doctor's `--min-free`), since deploys then
 * fail half-way with "No space left on device".
 */
export const checkDiskSpace: DoctorCheck = async ({ config, database, env, options }) => {
  if (!database) return [{ check: 'disk space', status: 'skip', detail: 'no database' }];
  if (!(await migrationsCurrent(database.pool)).current)
    return [{ check: 'disk space', status: 'skip', detail: 'the database is not migrated yet' }];
  const minFree = options?.minFreeBytes ?? defaultMinFreeBytes;
  const hosts = createHostDirectory({
    env,
    localRunAs: isolationOf(config).isolated ? config.compute.local.run_as : null,
  });
  const results: CheckResult[] = [];
  try {
    for (const host of await createSandboxStore(database.db).listHosts()) {
      const check = `disk space on ${host.name}`;
      try {
        const free = await freeSpace(hosts.transportFor(host), host.workRoot);
        const detail = `${formatSize(free.availableBytes)} free of ${formatSize(free.totalBytes)} at ${free.mountedOn} (work root ${host.workRoot})`;
        results.push(
          free.availableBytes >= minFree
            ? { check, status: 'ok', detail }
            : {
                check,
                status: 'fail',
                detail: `${detail}; below the ${formatSize(minFree)} asked for`,
                hint: `free space on ${host.name} (\`sbx cleanup\` removes work directories of terminated appservers) or move ${workRootKey(host)} to a larger disk`,
              },
        );
      } catch (error) {
        results.push({
          check,
          status: 'fail',
          detail: error instanceof Error ? error.message : String(error),
          hint: `check that ${host.name} is reachable and has df (coreutils)`,
        });
      }
    }
  } finally {
    await hosts.closeAll();
  }
  return results;
};

/** `df` of the work root, or of its nearest existing parent (a fresh host has none yet). */
async function freeSpace(
  transport: HostTransport,
  workRoot: string,
): Promise<{ availableBytes: number; totalBytes: number; mountedOn: string }> {
  let path = posix.normalize(workRoot);
  for (let depth = 0; depth < 32; depth += 1) {
    const result = await transport.exec(['df', '-Pk', '--', path], { timeoutMs: 15_000 });
    if (result.code === 0) return parseDf(result.stdout);
    if (path === '/') throw new Error(`df failed: ${result.stderr.trim()}`);
    path = posix.dirname(path);
  }
  throw new Error(`df found no existing parent of ${workRoot}`);
}

/** The second line of POSIX `df -Pk`: filesystem, 1024-blocks, used, available, capacity, mounted on. */
export function parseDf(output: string): { availableBytes: number; totalBytes: number; mountedOn: string } {
  const line = output.trim().split('\n')[1];
  const fields = line?.trim().split(/\s+/) ?? [];
  const total = Number(fields[1]);
  const available = Number(fields[3]);
  if (fields.length < 6 || !Number.isFinite(total) || !Number.isFinite(available))
    throw new Error(`unexpected df output: ${output.trim().slice(0, 200)}`);
  return { availableBytes: available * 1024, totalBytes: total * 1024, mountedOn: fields.slice(5).join(' ') };
}

const units = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 } as const;

/** `500M`, `2G`, `1.5T` or plain bytes; throws with the accepted forms otherwise. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT])?i?B?$/i.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a size; write e.g. 500M, 2G or 1.5T`);
  const unit = match[2] ? units[match[2].toUpperCase() as keyof typeof units] : 1;
  return Math.round(Number(match[1]) * unit);
}

function formatSize(bytes: number): string {
  if (bytes >= units.G) return `${(bytes / units.G).toFixed(1)} GiB`;
  if (bytes >= units.M) return `${(bytes / units.M).toFixed(0)} MiB`;
  return `${Math.round(bytes / units.K)} KiB`;
}

const workRootKey = (host: Host) =>
  host.provider === 'local' ? 'compute.local.work_root' : `compute.hosts (${host.name}) work_root`;
