import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderEnvFile, runnerName, runnerScript } from '../../src/core/provisioning/work-files';
import { waitFor } from '../support/wait-for';

const started: ChildProcess[] = [];
afterEach(() => {
  // Only the processes this file started, by their own pid.
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-runner-'));
  writeFileSync(join(dir, runnerName), runnerScript, { mode: 0o700 });
  writeFileSync(
    join(dir, 'sandbox.env'),
    renderEnvFile({ SBX_REPO_URL: 'file:///nonexistent', SBX_REF: 'main', PORT: '1' }),
    { mode: 0o600 },
  );
  return dir;
}

const run = (dir: string, phase: string) =>
  spawnSync('bash', [join(dir, runnerName), phase], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A process group that has nothing to do with any sandbox: `sleep` as its own group leader. */
function unrelatedGroup(): number {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  started.push(child);
  return child.pid!;
}

describe('the runner signals only process groups it started', () => {
  it.each([
    ['no recorded start time', (path: string, pid: number) => writeFileSync(path, `${pid}\n`)],
    [
      'the start time of an earlier process',
      (path: string, pid: number) => {
        writeFileSync(path, `${pid}\n`);
        writeFileSync(`${path}.start`, `1 ${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}\n`);
      },
    ],
  ])('a pid file naming an unrelated live group (%s) is gone for status, cancel and stop', (_what, plant) => {
    const dir = workDir();
    const pid = unrelatedGroup();
    plant(join(dir, 'deploy.pid'), pid);
    plant(join(dir, 'service.pid'), pid);

    expect(run(dir, 'status').stdout).toBe('deploy.pid gone\nservice.pid gone\n');
    expect(run(dir, 'cancel').status).toBe(0);
    expect(run(dir, 'stop').status).toBe(0);
    expect(alive(pid)).toBe(true);
  });

  it('a group the runner started is alive until cancel kills it, then gone', async () => {
    const dir = workDir();
    spawnSync('mkdir', ['-p', join(dir, 'checkout'), join(dir, 'phases')]);
    writeFileSync(join(dir, 'phases', 'start.sh'), 'exec sleep 60\n');
    expect(spawnSync('setsid', ['--fork', 'bash', join(dir, runnerName), 'start'], { cwd: dir }).status).toBe(0);
    await waitFor(() => run(dir, 'status').stdout.includes('service.pid alive'), { what: 'the service to be alive' });
    const pgid = Number(readFileSync(join(dir, 'service.pid'), 'utf8'));
    expect(run(dir, 'cancel').status).toBe(0);
    expect(alive(pgid)).toBe(false);
    expect(run(dir, 'status').stdout).toContain('service.pid gone');
  });

  it('a group whose leader exited but whose members live on is still ours (its id cannot be reused meanwhile)', async () => {
    const dir = workDir();
    spawnSync('mkdir', ['-p', join(dir, 'checkout'), join(dir, 'phases')]);
    // The leader backgrounds a member and exits; the member keeps the group id.
    writeFileSync(join(dir, 'phases', 'start.sh'), 'sleep 60 &\necho $! > ../member.pid\n');
    expect(spawnSync('setsid', ['--fork', 'bash', join(dir, runnerName), 'start'], { cwd: dir }).status).toBe(0);
    await waitFor(
      () => {
        try {
          return readFileSync(join(dir, 'member.pid'), 'utf8').trim() !== '';
        } catch {
          return false;
        }
      },
      { what: 'the member to start' },
    );
    const leader = Number(readFileSync(join(dir, 'service.pid'), 'utf8'));
    const member = Number(readFileSync(join(dir, 'member.pid'), 'utf8'));
    await waitFor(() => !alive(leader), { what: 'the leader to exit' });
    expect(run(dir, 'status').stdout).toContain('service.pid alive');
    expect(run(dir, 'stop').status).toBe(0);
    expect(alive(member)).toBe(false);
  });
});
