import { describe, expect, it } from 'vitest';
import { configProblems, loadConfigText } from '../support/config-text';

describe('settings of a rolling update (server.drain, worker.concurrency)', () => {
  it('default to no drain and 10 jobs at once', () => {
    const config = loadConfigText('{}\n');
    expect(config.server.drain).toBe(0);
    expect(config.worker.concurrency).toBe(10);
  });

  it('are read from sandbox.yml, and SBX_DRAIN / SBX_WORKER_CONCURRENCY override them per process', () => {
    expect(loadConfigText('server:\n  drain: 5s\nworker:\n  concurrency: 4\n')).toMatchObject({
      server: { drain: 5_000 },
      worker: { concurrency: 4 },
    });
    expect(
      loadConfigText('server:\n  drain: 5s\nworker:\n  concurrency: 4\n', {
        SBX_DRAIN: '1500ms',
        SBX_WORKER_CONCURRENCY: '8',
      }),
    ).toMatchObject({ server: { drain: 1_500 }, worker: { concurrency: 8 } });
  });

  it.each([
    [{ SBX_DRAIN: '5' }, /server\.drain.*duration/],
    [{ SBX_WORKER_CONCURRENCY: 'lots' }, /worker\.concurrency/],
    [{ SBX_WORKER_CONCURRENCY: '0' }, /worker\.concurrency/],
  ])('refuses %j with a clear problem', (env, expected) => {
    expect(configProblems(() => loadConfigText('{}\n', env)).join('\n')).toMatch(expected);
  });
});
