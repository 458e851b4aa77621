import { readFileSync } from 'node:fs';

/** Field 22 of /proc/<pid>/stat (start time in clock ticks after boot), or null when there is no such process. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Signals the process group the runner recorded in `pidFile` only while its
 * leader is still the process recorded in `<pidFile>.start` (as the runner's
 * `our_group` checks): a stale id may belong to another test's processes now.
 * Returns whether it signalled.
 */
export function signalRecordedGroup(pidFile: string, signal: NodeJS.Signals | 0): boolean {
  let pid: number;
  let recorded: string;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
    recorded = readFileSync(`${pidFile}.start`, 'utf8').trim().split(' ')[0] ?? '';
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 1 || startTime(pid) !== recorded) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
