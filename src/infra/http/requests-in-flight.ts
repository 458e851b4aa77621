/**
 * Requests somebody is waiting on (a Slack command's acknowledgement, a
 * GitHub webhook delivery, a form posted on a page) come before background
 * jobs in the same process: the worker takes no job and starts none while
 * any is in flight, for at most the wait its caller gives
 * (src/jobs/define-task.ts, src/jobs/start-worker.ts). With web and worker in one
 * process on a few cores, a burst of 50 slash commands otherwise shares the
 * CPU (and the database) with the 50 deploys those commands queue, and every
 * acknowledgement pays for them. The bound keeps a steady stream of requests
 * from starving the jobs.
 *
 * After a burst (two or more requests in flight at once, and any request
 * that starts within `settleMs` after one) the gate opens only once none has been
 * in flight for `settleMs`: the burst's clients send their next request a
 * moment after their previous answer, and "none in flight right now" alone
 * would open it in every such gap. A lone request (a webhook delivery, one
 * command) opens it as soon as it is answered.
 */
export interface RequestsInFlight {
  /** Counts one request until the returned function is called (calling it twice counts once). */
  begin(): () => void;
  /** Resolves once no request is in flight (and a burst has settled), after `maxWaitMs` at the latest, or at once when `signal` aborts. */
  quiet(maxWaitMs: number, signal?: AbortSignal): Promise<void>;
  /** Requests in flight now. */
  count(): number;
}

export function createRequestsInFlight({
  settleMs = 20,
  now = () => performance.now(),
}: { settleMs?: number; now?: () => number } = {}): RequestsInFlight {
  let inFlight = 0;
  /** Whether the requests in flight since none was make a burst. */
  let inBurst = false;
  let burstEnded = -Infinity;
  const waiters = new Set<() => void>();
  // One abort listener per signal, however many waits share it (a worker's jobs share its stop signal).
  const onAbort = new WeakMap<AbortSignal, Set<() => void>>();
  const whenAborted = (signal: AbortSignal, wake: () => void): (() => void) => {
    let wakes = onAbort.get(signal);
    if (!wakes) {
      const all = new Set<() => void>();
      signal.addEventListener('abort', () => [...all].forEach((each) => each()), { once: true });
      onAbort.set(signal, all);
      wakes = all;
    }
    wakes.add(wake);
    return () => void wakes.delete(wake);
  };
  const settled = (at: number) => inFlight === 0 && at - burstEnded >= settleMs;
  return {
    begin() {
      // Two at once make a burst; a request that starts within the settle time after one still belongs to it.
      if (inFlight > 0 || now() - burstEnded < settleMs) inBurst = true;
      inFlight += 1;
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        inFlight -= 1;
        if (inFlight > 0) return;
        if (inBurst) burstEnded = now();
        inBurst = false;
        for (const wake of [...waiters]) wake();
      };
    },
    quiet(maxWaitMs, signal) {
      if (signal?.aborted || settled(now())) return Promise.resolve();
      const deadline = now() + maxWaitMs;
      return new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        let forget = (): void => undefined;
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
          forget();
          resolve();
        };
        function check() {
          clearTimeout(timer);
          waiters.delete(check);
          const at = now();
          if (signal?.aborted || at >= deadline || settled(at)) return finish();
          // Woken when the last request ends, when the burst has settled, or at the deadline.
          if (inFlight > 0) waiters.add(check);
          const wait = inFlight > 0 ? deadline - at : Math.min(burstEnded + settleMs - at, deadline - at);
          timer = setTimeout(check, wait);
        }
        if (signal) forget = whenAborted(signal, finish);
        check();
      });
    },
    count: () => inFlight,
  };
}
