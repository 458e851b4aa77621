import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context';
import { createProgress } from '../../src/cli/progress';
import type { Database } from '../../src/infra/db/database';
import { createTestDatabase } from '../support/database';
import { textSink } from '../support/sbx-in-process';
import { runSbx, sbxWorkspace, spawnSbx, type SbxProcess } from '../support/spawn-sbx';
import { idleRepositoryYml, localComputeYml } from '../support/sandbox-yml';

/*
 * Issue 17, CLI progress: a cli-progress bar with the current step on a
 * terminal, plain lines otherwise. The terminal is a real pseudo-terminal
 * (util-linux `script`) for whole commands, and a stream marked as a TTY
 * in-process for the bar itself.
 */
const root = join(import.meta.dirname, '..', '..');

function contextWith(tty: boolean): { ctx: CliContext; output: () => string } {
  let text = '';
  const stderr = Object.assign(
    textSink((chunk) => (text += chunk)),
    tty ? { isTTY: true, columns: 100 } : {},
  );
  const ctx: CliContext = {
    env: {},
    stdout: stderr,
    stderr,
    setExitCode: () => undefined,
    config: () => {
      throw new Error('not needed');
    },
  };
  return { ctx, output: () => text };
}

/** Runs sbx under a pseudo-terminal, as a person at a terminal would; resolves with everything the terminal showed. */
function runOnTerminal(args: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qec', `${process.execPath} bin/sbx.js ${args}`, '/dev/null'],
      { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm', ...env }, timeout: 60_000 },
      (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout }),
    );
  });
}

describe('createProgress', () => {
  it('draws a bar with the count and the current step on a terminal', () => {
    const { ctx, output } = contextWith(true);
    const bar = createProgress(ctx, { title: 'demo', total: 4 });
    bar.update(2, 'deploying');
    bar.stop();
    expect(output()).toMatch(/demo \[=+-+\] 2\/4 deploying/);
    expect(output()).toContain('\x1b[');
  });

  it('prints each new step once as a plain line elsewhere', () => {
    const { ctx, output } = contextWith(false);
    const bar = createProgress(ctx, { title: 'demo', total: 4 });
    bar.update(1, 'waiting for a host');
    bar.update(1, 'waiting for a host');
    bar.update(2, 'deploying', 'demo appserver 1: configuring');
    bar.stop();
    expect(output()).toBe('waiting for a host\ndemo appserver 1: configuring\n');
  });
});

describe('long commands', () => {
  let database: Database;
  let dir: string;
  let env: Record<string, string>;
  let worker: SbxProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ dir, env } = sbxWorkspace(
      'sbx-progress-',
      (dir) => `
repositories:
${idleRepositoryYml('acme/app')}
${localComputeYml(join(dir, 'work'), { run_as: 'null' })}
`,
      database.url,
    ));
    for (const slug of ['plain-box', 'tty-box'])
      expect((await runSbx(['instances', 'create', slug, '--repository', 'acme/app', '--ref', 'main'], env)).code).toBe(
        0,
      );
    worker = spawnSbx(['worker'], env);
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delete --wait without a terminal: plain step lines on stderr, the outcome on stdout', async () => {
    const result = await runSbx(['delete', 'plain-box', '--wait', '--timeout', '60'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('ok: plain-box is deleted\n');
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('deleted');
    expect(result.stderr).not.toContain('\x1b[');
  }, 90_000);

  it('delete --wait on a terminal: a progress bar ending at its last step', async () => {
    const result = await runOnTerminal('delete tty-box --wait --timeout 60', env);
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/deleting tty-box \[=+\] 1\/1 deleted/);
    expect(result.output).toContain('ok: tty-box is deleted');
  }, 90_000);

  it('cleanup: a bar on a terminal, plain lines otherwise', async () => {
    const terminal = await runOnTerminal('cleanup', env);
    expect(terminal.code).toBe(0);
    expect(terminal.output).toMatch(/cleanup \[=+\] 1\/1 done/);
    expect(terminal.output).toContain('no drift');
    const plain = await runSbx(['cleanup'], env);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe('no drift\n');
    expect(plain.stderr).toBe('comparing the database with hosts and routes\nfound 0 drift item(s)\ndone\n');
  }, 90_000);
});
