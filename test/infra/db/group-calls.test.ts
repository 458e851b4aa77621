import { describe, expect, it } from 'vitest';
import { groupCalls } from '../../../src/infra/db/group-calls';

/** A statement runner whose statements finish when the test says so. */
function controlledRunner() {
  const started: { inputs: number[]; finish(): void; fail(error: Error): void }[] = [];
  const run = (inputs: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      started.push({
        inputs,
        finish: () => resolve(inputs.map((n) => `row ${n}`)),
        fail: reject,
      });
    });
  return { started, run };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('groupCalls', () => {
  it('runs calls of one turn together, and those that arrive meanwhile in the next statements', async () => {
    const { started, run } = controlledRunner();
    const call = groupCalls(run, 1);
    const first = [call(1), call(2)];
    await turn();
    expect(started.map((s) => s.inputs)).toEqual([[1, 2]]);
    const later = [call(3), call(4), call(5)];
    await turn();
    // One statement at a time: the next group waits for the first one.
    expect(started).toHaveLength(1);
    started[0]!.finish();
    expect(await Promise.all(first)).toEqual(['row 1', 'row 2']);
    await turn();
    expect(started.map((s) => s.inputs)).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    started[1]!.finish();
    expect(await Promise.all(later)).toEqual(['row 3', 'row 4', 'row 5']);
  });

  it('keeps at most maxInFlight statements running', async () => {
    const { started, run } = controlledRunner();
    const call = groupCalls(run, 2);
    const a = call(1);
    await turn();
    const b = call(2);
    await turn();
    const c = call(3);
    await turn();
    expect(started.map((s) => s.inputs)).toEqual([[1], [2]]);
    started[1]!.finish();
    expect(await b).toBe('row 2');
    await turn();
    expect(started.map((s) => s.inputs)).toEqual([[1], [2], [3]]);
    started[0]!.finish();
    started[2]!.finish();
    expect([await a, await c]).toEqual(['row 1', 'row 3']);
  });

  it('rejects every call of a failed statement, and goes on with the next ones', async () => {
    const { started, run } = controlledRunner();
    const call = groupCalls(run, 1);
    const failed = [call(1), call(2)].map((p) => p.catch((error: Error) => error.message));
    await turn();
    const next = call(3);
    started[0]!.fail(new Error('connection lost'));
    expect(await Promise.all(failed)).toEqual(['connection lost', 'connection lost']);
    await turn();
    started[1]!.finish();
    expect(await next).toBe('row 3');
  });

  it('turns a runner that throws at once into rejections', async () => {
    const call = groupCalls((): Promise<string[]> => {
      throw new Error('bad input');
    });
    await expect(call(1)).rejects.toThrow('bad input');
  });
});
