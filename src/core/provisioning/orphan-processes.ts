import type { Appserver, Host } from '../model';
import type { HostTransport } from '../ports/host-transport';

/** A process on a host that carries an appserver's mark (`SBX_APPSERVER_ID` in its environment). */
export interface MarkedProcess {
  pid: number;
  appserverId: number;
  workDir: string | null;
}

/**
 * Lists the marked processes on the host in one exec: grep reads every
 * readable /proc/<pid>/environ as NUL-separated records and prints the two
 * variables that matter. Processes of other users are unreadable and so
 * never listed (nor ever signalled).
 */
const listScript = `grep -azH -e '^SBX_APPSERVER_ID=' -e '^SBX_WORK_DIR=' /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n'; exit 0`;

/**
 * Stops the process groups of the given pids (TERM, then KILL after 5 s),
 * never the group this script runs in nor pid 1's.
 */
const stopScript = `self="$(cut -d' ' -f5 /proc/$$/stat)"
groups=""
for pid in "$@"; do
  case "$pid" in ''|*[!0-9]*) continue ;; esac
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
  read -r _state _ppid pgid _rest <<< "\${stat##*) }"
  [ "$pgid" -gt 1 ] && [ "$pgid" != "$self" ] || continue
  groups="$groups $pgid"
done
for g in $groups; do kill -TERM -- "-$g" 2>/dev/null; done
for _ in $(seq 1 50); do
  alive=""
  for g in $groups; do kill -0 -- "-$g" 2>/dev/null && alive="$alive $g"; done
  [ -z "$alive" ] && exit 0
  sleep 0.1
done
for g in $alive; do kill -KILL -- "-$g" 2>/dev/null; done
exit 0`;

/** Every process on the host marked as an appserver's whose work directory is under the host's work root. */
export async function listMarkedProcesses(transport: HostTransport, host: Host): Promise<MarkedProcess[]> {
  const result = await transport.exec(['bash', '-c', listScript], { timeoutMs: 30_000 });
  const byPid = new Map<number, { appserverId?: number; workDir?: string }>();
  for (const line of result.stdout.split('\n')) {
    const match = /^\/proc\/(\d+)\/environ:(SBX_APPSERVER_ID|SBX_WORK_DIR)=(.*)$/.exec(line);
    if (!match) continue;
    const entry = byPid.get(Number(match[1])) ?? {};
    if (match[2] === 'SBX_APPSERVER_ID' && /^\d+$/.test(match[3]!)) entry.appserverId = Number(match[3]);
    if (match[2] === 'SBX_WORK_DIR') entry.workDir = match[3]!;
    byPid.set(Number(match[1]), entry);
  }
  // Only this host's sandboxes: another bot's (another work root) are none of ours.
  const root = `${host.workRoot.replace(/\/+$/, '')}/`;
  return [...byPid]
    .filter(([, entry]) => entry.appserverId !== undefined && entry.workDir?.startsWith(root))
    .map(([pid, entry]) => ({ pid, appserverId: entry.appserverId!, workDir: entry.workDir ?? null }));
}

/** Why no appserver row owns the process, or null when one does (it exists on this host and is not terminated). */
export function orphanReason(appserver: Appserver | null, host: Host): string | null {
  if (!appserver) return 'no appserver has this id';
  if (appserver.hostId !== host.id) return 'its appserver runs on another host';
  if (appserver.state === 'terminated') return 'its appserver was terminated';
  return null;
}

/** Stops the process groups of the pids on the host. */
export async function stopProcesses(transport: HostTransport, pids: readonly number[]): Promise<void> {
  if (pids.length === 0) return;
  await transport.exec(['bash', '-c', stopScript, 'sbx-stop-orphans', ...pids.map(String)], { timeoutMs: 30_000 });
}
