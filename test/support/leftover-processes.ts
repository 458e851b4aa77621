import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface Leftover {
  pid: number;
  pgid: number;
  command: string;
  why: string;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

function belongsTo(root: string, pid: number): Leftover | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return null;
  const [state, , pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A zombie has exited; it only waits for its parent to read its status.
  if (state === 'Z' || state === 'X') return null;
  const environ = (readText(`/proc/${pid}/environ`) ?? '').split('\0');
  let cwd = '';
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    // Gone meanwhile, or not ours to read.
  }
  const marked = environ.find((entry) => entry.includes(`=${root}`));
  const why = marked ? `environment ${marked.split('=')[0]}` : cwd.startsWith(root) ? `working directory ${cwd}` : null;
  if (!why) return null;
  const command = (readText(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim().slice(0, 200);
  return { pid, pgid: Number(pgid), command, why };
}

/** Running processes (not zombies, not this process or its parent) whose environment or working directory is under `root`. */
export function findLeftovers(root: string): Leftover[] {
  const own = new Set([process.pid, process.ppid]);
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => !own.has(pid))
    .map((pid) => belongsTo(root, pid))
    .filter((found): found is Leftover => found !== null);
}
