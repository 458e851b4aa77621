import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRequestsInFlight } from '../../../src/infra/http/requests-in-flight';

/** Resolved-or-not of a promise, without waiting for it. */
function watch(promise: Promise<void>): { done: () => boolean } {
  let done = false;
  void promise.then(() => (done = true));
  return { done: () => done };
}

/** Lets the microtasks of timers that just fired run. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('requests in flight before jobs', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const tracker = () => createRequestsInFlight({ settleMs: 20, now: () => Date.now() });

  it('lets a job start at once when no request is in flight', async () => {
    const quiet = watch(tracker().quiet(500));
    await settle();
    expect(quiet.done()).toBe(true);
  });

  it('holds a job while a lone request is answered, and lets it go the moment it is', async () => {
    const requests = tracker();
    const end = requests.begin();
    const quiet = watch(requests.quiet(500));
    await vi.advanceTimersByTimeAsync(300);
    expect(quiet.done()).toBe(false);
    end();
    await settle();
    expect(quiet.done()).toBe(true);
  });

  it('after a burst, waits until no request has been in flight for the settle time', async () => {
    const requests = tracker();
    const first = requests.begin();
    const second = requests.begin();
    const quiet = watch(requests.quiet(500));
    first();
    second();
    await vi.advanceTimersByTimeAsync(10);
    expect(quiet.done()).toBe(false);
    // The burst's next request arrives within the settle time: still the same burst.
    const third = requests.begin();
    await vi.advanceTimersByTimeAsync(30);
    expect(quiet.done()).toBe(false);
    third();
    await vi.advanceTimersByTimeAsync(19);
    expect(quiet.done()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(quiet.done()).toBe(true);
  });

  it('lets a job go after the longest wait even while requests keep coming', async () => {
    const requests = tracker();
    requests.begin();
    const quiet = watch(requests.quiet(500));
    await vi.advanceTimersByTimeAsync(499);
    expect(quiet.done()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(quiet.done()).toBe(true);
    expect(requests.count()).toBe(1);
  });

  it('lets a job go at once when its abort signal fires (the worker is stopping)', async () => {
    const requests = tracker();
    requests.begin();
    const stopping = new AbortController();
    const quiet = watch(requests.quiet(500, stopping.signal));
    stopping.abort();
    await settle();
    expect(quiet.done()).toBe(true);
    expect(await requests.quiet(500, stopping.signal)).toBeUndefined();
  });

  it('listens once to a signal however many waits share it, and forgets the waits that end', async () => {
    const requests = tracker();
    const end = requests.begin();
    const stopping = new AbortController();
    const waits = Array.from({ length: 30 }, () => watch(requests.quiet(500, stopping.signal)));
    expect(getEventListeners(stopping.signal, 'abort')).toHaveLength(1);
    end();
    await settle();
    expect(waits.every((wait) => wait.done())).toBe(true);
    requests.begin();
    const late = watch(requests.quiet(500, stopping.signal));
    await settle();
    expect(getEventListeners(stopping.signal, 'abort')).toHaveLength(1);
    expect(late.done()).toBe(false);
    stopping.abort();
    await settle();
    expect(late.done()).toBe(true);
  });

  it('counts a request once however often its end is reported', () => {
    const requests = tracker();
    const end = requests.begin();
    requests.begin();
    end();
    end();
    expect(requests.count()).toBe(1);
  });
});
