import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config';

const load = (yaml: string, env: Record<string, string> = {}) => {
  const cwd = mkdtempSync(join(tmpdir(), 'sbx-config-'));
  writeFileSync(join(cwd, 'sandbox.yml'), yaml);
  return loadConfig({ env, cwd });
};

const problems = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('settings of a rolling update (server.drain, worker.concurrency)', () => {
  it('default to no drain and 10 jobs at once', () => {
    const config = load('{}\n');
    expect(config.server.drain).toBe(0);
    expect(config.worker.concurrency).toBe(10);
  });

  it('are read from sandbox.yml, and SBX_DRAIN / SBX_WORKER_CONCURRENCY override them per process', () => {
    expect(load('server:\n  drain: 5s\nworker:\n  concurrency: 4\n')).toMatchObject({
      server: { drain: 5_000 },
      worker: { concurrency: 4 },
    });
    expect(
      load('server:\n  drain: 5s\nworker:\n  concurrency: 4\n', { SBX_DRAIN: '1500ms', SBX_WORKER_CONCURRENCY: '8' }),
    ).toMatchObject({ server: { drain: 1_500 }, worker: { concurrency: 8 } });
  });

  it.each([
    [{ SBX_DRAIN: '5' }, /server\.drain.*duration/],
    [{ SBX_WORKER_CONCURRENCY: 'lots' }, /worker\.concurrency/],
    [{ SBX_WORKER_CONCURRENCY: '0' }, /worker\.concurrency/],
  ])('refuses %j with a clear problem', (env, expected) => {
    expect(problems(() => load('{}\n', env)).join('\n')).toMatch(expected);
  });
});
