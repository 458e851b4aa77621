/**
 * Waits `ms`, or less when `signal` aborts (resolving, never rejecting: the caller's loop checks the signal). The abort
 * listener goes with the pause, so a job that polls many times on one signal does not pile listeners up.
 */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
