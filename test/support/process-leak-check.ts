import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { findLeftovers } from './leftover-processes';

/*
 * Every test file ends what it started (issue 16): a setup file run in each
 * test file's own worker process. It gives the file a temporary directory of
 * its own (TMPDIR, so every mkdtemp, work root, data directory and spawned
 * server of the file lives under it and inherits it in its environment), and
 * after the file's last hook fails the file when a process that belongs to it
 * still runs: its environment names that directory (TMPDIR, SBX_WORK_DIR of
 * an appserver) or its working directory is inside it. Processes of other
 * test files running at the same time have another directory, so they are
 * never mistaken for this file's. What it finds is killed, so one leak does
 * not block the ports of later files, and the file fails naming each one.
 */
const root = mkdtempSync(join(tmpdir(), 'sbx-file-'));
// Sandbox users and servers running as other users (postgres, www-data) must reach it, as they reach /tmp.
chmodSync(root, 0o1777);
process.env.TMPDIR = root;

/** How long a process that was told to stop may take to exit (the appserver stop script escalates to KILL after 5 s). */
const exitGraceMs = 8_000;

afterAll(async () => {
  const deadline = Date.now() + exitGraceMs;
  let left = findLeftovers(root);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = findLeftovers(root);
  }
  const self = readFileSync('/proc/self/stat', 'latin1');
  const ownGroup = Number(self.slice(self.lastIndexOf(')') + 2).split(' ')[2] ?? 0);
  for (const { pid, pgid } of left) {
    try {
      if (pgid > 1 && pgid !== ownGroup) process.kill(-pgid, 'SIGKILL');
      else process.kill(pid, 'SIGKILL');
    } catch {
      // Exited meanwhile.
    }
  }
  if (left.length === 0) rmSync(root, { recursive: true, force: true });
  if (left.length > 0)
    throw new Error(
      `this test file left ${left.length} process(es) running (killed now); stop what a test starts in its afterAll/afterEach:\n${left
        .map((l) => `  pid ${l.pid} (${l.why}): ${l.command}`)
        .join('\n')}`,
    );
});
