/** A counting semaphore, first come first served: caps the SSH channels open at once on one connection. */
export type ChannelLimit = {
  /** Waits for a free slot; the returned function gives it back (calling it twice is harmless). */
  acquire(): Promise<() => void>;
  /** Slots taken right now. */
  inUse(): number;
};

export function createChannelLimit(max: number): ChannelLimit {
  let used = 0;
  const waiting: Array<() => void> = [];

  const releaser = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiting.shift();
      if (next)
        next(); // hand the slot over directly, so `used` never dips and a newcomer cannot jump the queue
      else used -= 1;
    };
  };

  return {
    async acquire() {
      if (used < max) {
        used += 1;
        return releaser();
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
      return releaser();
    },
    inUse: () => used,
  };
}
