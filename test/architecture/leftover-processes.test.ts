import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLeftovers } from '../support/leftover-processes';
import { waitFor } from '../support/wait-for';

// Issue 16: the check behind test/support/process-leak-check.ts finds what a test file started and left running.
describe('leftover processes of a test file', () => {
  const root = process.env.TMPDIR!;

  it('each test file runs with a TMPDIR of its own', () => {
    expect(root).toMatch(/\/sbx-file-[^/]+$/);
    expect(tmpdir()).toBe(root);
  });

  it('finds a detached process by its environment and one by its working directory, and nothing once they ended', async () => {
    const byEnv = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const dir = mkdtempSync(join(tmpdir(), 'cwd-'));
    const byCwd = spawn('sleep', ['30'], {
      detached: true,
      stdio: 'ignore',
      cwd: dir,
      env: { PATH: process.env.PATH },
    });
    try {
      const found = () => findLeftovers(root).map((l) => [l.pid, l.why.split(' ')[0]]);
      expect(found()).toEqual(
        expect.arrayContaining([
          [byEnv.pid, 'environment'],
          [byCwd.pid, 'working'],
        ]),
      );
      // A process of another directory (another test file) is not this file's.
      expect(findLeftovers(mkdtempSync(join('/tmp', 'elsewhere-')))).toEqual([]);
    } finally {
      byEnv.kill('SIGKILL');
      byCwd.kill('SIGKILL');
    }
    await waitFor(() => findLeftovers(root).length === 0, { timeoutMs: 5_000, what: 'both to end' });
  });
});
