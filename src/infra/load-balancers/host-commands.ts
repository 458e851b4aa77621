import type { HostTransport } from '../../core/ports/host-transport';

/** How a validate or reload command ended: the detail is its last output, or why it could not run. */
export type CommandOutcome = { ok: boolean; detail: string };

/** Runs a load balancer's command (validate, reload) on its host; never throws. */
export async function runHostCommand(
  transport: HostTransport,
  argv: readonly string[],
  timeoutMs: number,
): Promise<CommandOutcome> {
  try {
    const result = await transport.exec(argv, { timeoutMs });
    const output = (result.stderr.trim() || result.stdout.trim()).slice(-2000);
    if (result.code === 0) return { ok: true, detail: output };
    const status = result.code === null ? `signal ${result.signal ?? 'unknown'}` : `exit ${result.code}`;
    return { ok: false, detail: `\`${argv.join(' ')}\` failed (${status}): ${output || 'no output'}` };
  } catch (error) {
    return { ok: false, detail: `\`${argv.join(' ')}\` could not run: ${describeError(error)}` };
  }
}

/** Runs operations one at a time, in call order, whatever became of the previous one. */
export function createSerializer(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const next = tail.then(work, work);
    tail = next.catch(() => undefined);
    return next;
  };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
