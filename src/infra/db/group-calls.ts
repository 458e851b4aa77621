interface Pending<I, O> {
  input: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit for independent statements on a pool: calls that arrive
 * while earlier ones run (or in the same turn of the event loop) go to
 * PostgreSQL together, as one statement over all their inputs; a lone call
 * runs at once (after the current turn). `run` answers one output per
 * input, in order. At most `maxInFlight` grouped statements run at a time,
 * so the rest of the pool stays free for everything else. Each statement
 * costs a round trip and wakes a backend: at 50 requests in flight, one
 * statement for many requests is most of the saving (docs/performance.md).
 */
export function groupCalls<I, O>(run: (inputs: I[]) => Promise<O[]>, maxInFlight = 2): (input: I) => Promise<O> {
  let queue: Pending<I, O>[] = [];
  let inFlight = 0;

  const pump = () => {
    while (queue.length && inFlight < maxInFlight) {
      const batch = queue;
      queue = [];
      inFlight += 1;
      void Promise.resolve(batch.map((item) => item.input))
        .then(run)
        .then(
          (outputs) => batch.forEach((item, i) => item.resolve(outputs[i]!)),
          (error: unknown) => batch.forEach((item) => item.reject(error)),
        )
        .finally(() => {
          inFlight -= 1;
          pump();
        });
    }
  };

  return (input) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      if (queue.length === 1) setImmediate(pump);
    });
}
