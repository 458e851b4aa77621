/** Where a running appserver's own output is copied to (its deploy.log past the point it became healthy). */
export interface RuntimeLogState {
  /** Byte offset in deploy.log where the runtime output starts (the deploy log ends there). */
  startOffset: number;
  /** Next byte of deploy.log to copy. */
  offset: number;
  /** Bytes of the runtime output not kept (over the cap, or skipped on the host); the newest are kept. */
  droppedBytes: number;
}

export interface RuntimeLogStore {
  /** The copy's position, or null before the first copy. */
  state(appserverId: number): Promise<RuntimeLogState | null>;
  /** Starts the runtime log at `startOffset` (no-op when it has started). */
  start(appserverId: number, startOffset: number): Promise<RuntimeLogState>;
  /**
   * Stores `content` read at byte `offset` and moves the copy to
   * `nextOffset`, only if it still is at `offset` (exactly once). Oldest
   * whole chunks go once more than `maxBytes` are kept past the start.
   */
  append(appserverId: number, offset: number, content: string, nextOffset: number, maxBytes: number): Promise<boolean>;
  /** Moves the copy forward without storing (output skipped on the host); counted as dropped. */
  skip(appserverId: number, offset: number, nextOffset: number): Promise<boolean>;
  /** The chunks covering the last `tailBytes`, or all of them after `afterOffset` (up to ~`limitBytes`). */
  read(
    appserverId: number,
    options?: { tailBytes?: number; afterOffset?: number; limitBytes?: number },
  ): Promise<{ offset: number; content: string }[]>;
}
