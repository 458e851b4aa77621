import { unfinishedStates, type AppserverState } from '../../core/appserver-state';
import type { CoreLogger } from '../../core/ports/other-ports';
import type { LogChunk, LogReader } from '../../infra/db/log-reader';

/** One viewer of a live log (an SSE response). */
export interface Follower {
  /** Offset of the last chunk this viewer has; chunks after it are sent. */
  cursor: number;
  /** Sends a chunk; false when the viewer's socket buffer is full (call `resume` on drain). */
  write(chunk: LogChunk): boolean;
  state(state: AppserverState): void;
  /** No more chunks: `complete` when the appserver finished deploying (or is gone), false when the feed shuts down. */
  finish(complete: boolean): void;
}

export interface LogFeedOptions {
  reader: LogReader;
  logger: CoreLogger;
  pollMs?: number;
  /** Recent chunks kept in memory per followed appserver, shared by its viewers. */
  bufferBytes?: number;
  /** Largest read for one viewer that is behind the shared buffer. */
  catchUpBytes?: number;
}

interface Entry {
  follower: Follower;
  paused: boolean;
  pumping: boolean;
  done: boolean;
}

/**
 * Live logs for many viewers at a bounded cost: one poller per followed
 * appserver (not per viewer) reads new chunks into a small shared buffer and
 * hands them to every viewer; a viewer whose socket is full is paused (never
 * buffered for) and catches up from the database later, in bounded reads.
 */
export class LogFeeds {
  private readonly feeds = new Map<number, Feed>();
  constructor(private readonly options: LogFeedOptions) {}

  /** Starts following; returns the function that stops. */
  follow(appserverId: number, follower: Follower): { stop(): void; resume(): void } {
    let feed = this.feeds.get(appserverId);
    if (!feed) {
      const created: Feed = new Feed(appserverId, this.options, () => {
        if (this.feeds.get(appserverId) === created) this.feeds.delete(appserverId);
      });
      this.feeds.set(appserverId, created);
      feed = created;
    }
    const entry = feed.add(follower);
    const current = feed;
    return { stop: () => current.remove(entry), resume: () => current.resume(entry) };
  }

  /** Viewers currently following, over all appservers. */
  get followers(): number {
    let count = 0;
    for (const feed of this.feeds.values()) count += feed.size;
    return count;
  }

  close(): void {
    for (const feed of [...this.feeds.values()]) feed.close();
  }
}

class Feed {
  private readonly entries = new Set<Entry>();
  private buffer: LogChunk[] = [];
  private bufferedBytes = 0;
  /** The buffer holds every chunk whose offset is above this one. */
  private floor = -1;
  /** Offset of the newest chunk read. */
  private head = -1;
  private lastState: AppserverState | null = null;
  private complete = false;
  private timer: NodeJS.Timeout | null = null;
  private initialized = false;
  private closed = false;
  private readonly pollMs: number;
  private readonly bufferBytes: number;
  private readonly catchUpBytes: number;

  constructor(
    private readonly appserverId: number,
    private readonly options: LogFeedOptions,
    private readonly onEmpty: () => void,
  ) {
    this.pollMs = options.pollMs ?? 500;
    this.bufferBytes = options.bufferBytes ?? 1024 * 1024;
    this.catchUpBytes = options.catchUpBytes ?? 256 * 1024;
    this.schedule(0);
  }

  get size(): number {
    return this.entries.size;
  }

  add(follower: Follower): Entry {
    const entry: Entry = { follower, paused: false, pumping: false, done: false };
    this.entries.add(entry);
    if (this.lastState) follower.state(this.lastState);
    if (this.initialized) void this.pump(entry);
    return entry;
  }

  remove(entry: Entry): void {
    entry.done = true;
    this.entries.delete(entry);
    if (this.entries.size === 0) this.close();
  }

  resume(entry: Entry): void {
    entry.paused = false;
    void this.pump(entry);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const entry of this.entries) this.finish(entry, false);
    this.onEmpty();
  }

  private schedule(delay: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), delay);
  }

  private async tick(): Promise<void> {
    try {
      if (!this.initialized) {
        // Viewers joining now start from their own cursor; the shared buffer starts at today's end of the log.
        this.floor = this.head = await this.options.reader.lastOffset(this.appserverId);
        this.initialized = true;
      }
      await this.poll();
      for (const entry of this.entries) void this.pump(entry);
    } catch (error) {
      this.options.logger.warn({ err: error, appserver: this.appserverId }, 'reading the live log failed; retrying');
    }
    this.schedule(this.pollMs);
  }

  /** Reads what is new. The appserver row is read first: chunks stored before it left `configuring` are all read. */
  private async poll(): Promise<void> {
    const progress = await this.options.reader.progress(this.appserverId);
    if (!progress) {
      this.complete = true;
      return;
    }
    let drained = false;
    for (let round = 0; round < 16 && !drained; round += 1) {
      const chunks = await this.options.reader.after(this.appserverId, this.head, this.catchUpBytes);
      if (chunks.length === 0) drained = true;
      for (const chunk of chunks) {
        this.buffer.push(chunk);
        this.bufferedBytes += chunk.content.length;
        this.head = chunk.offset;
      }
    }
    while (this.bufferedBytes > this.bufferBytes && this.buffer.length > 1) {
      const dropped = this.buffer.shift()!;
      this.bufferedBytes -= dropped.content.length;
      this.floor = dropped.offset;
    }
    if (progress.state !== this.lastState) {
      this.lastState = progress.state;
      for (const entry of this.entries) entry.follower.state(progress.state);
    }
    this.complete = drained && !unfinishedStates.includes(progress.state);
  }

  /** Sends a viewer what it lacks: from the database while it is behind the buffer, then from the buffer. */
  private async pump(entry: Entry): Promise<void> {
    if (entry.pumping || entry.paused || entry.done || !this.initialized) return;
    entry.pumping = true;
    try {
      while (!entry.done && !entry.paused && entry.follower.cursor < this.floor) {
        const chunks = await this.options.reader.after(this.appserverId, entry.follower.cursor, this.catchUpBytes);
        if (chunks.length === 0) entry.follower.cursor = this.floor;
        for (const chunk of chunks) if (!this.send(entry, chunk)) break;
      }
      for (const chunk of this.buffer) {
        if (entry.done || entry.paused) break;
        if (chunk.offset > entry.follower.cursor) this.send(entry, chunk);
      }
      if (!entry.done && !entry.paused && this.complete && entry.follower.cursor >= this.head) this.finish(entry, true);
    } catch (error) {
      this.options.logger.warn({ err: error, appserver: this.appserverId }, 'sending the live log failed');
    } finally {
      entry.pumping = false;
    }
  }

  private send(entry: Entry, chunk: LogChunk): boolean {
    entry.follower.cursor = chunk.offset;
    if (entry.follower.write(chunk)) return true;
    entry.paused = true;
    return false;
  }

  private finish(entry: Entry, complete: boolean): void {
    if (entry.done) return;
    entry.done = true;
    this.entries.delete(entry);
    entry.follower.finish(complete);
    if (this.entries.size === 0) this.close();
  }
}
