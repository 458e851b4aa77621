/**
 * How core reaches a host: the bot's own machine (local provider) or a
 * machine over SSH. Both give the same operations, so the deploy code path
 * differs only in the transport. No PR-controlled text ever becomes part of
 * a command line: callers pass argv arrays, which the transport quotes with
 * `quoteArgv` (ssh) or hands to execve directly (local); values reach scripts
 * through files and environment variables.
 */
export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Environment variables for the command (names must match [A-Z_][A-Z0-9_]*). */
  env?: Record<string, string>;
  /** Working directory. */
  cwd?: string;
  /** Fails with host_unreachable-free `timeout` error after this long (default 60 s). */
  timeoutMs?: number;
  /** Written to the command's standard input, then closed. */
  stdin?: string | Buffer;
  /** Called with output as it arrives (`sbx exec` streams it); the result still holds all of it. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

export interface HostTransport {
  /** Short name for messages, e.g. `local` or `host-2`. */
  readonly name: string;
  /** Address the bot uses to reach services on this host (health checks, proxying). */
  readonly address: string;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Writes a file atomically (temporary name, then rename), creating parent directories. */
  writeFile(path: string, content: string | Buffer, mode?: number): Promise<void>;
  /** Reads from `offset` up to `maxBytes` (default 1 MiB); null when the file does not exist. */
  readFile(path: string, options?: { offset?: number; maxBytes?: number }): Promise<Buffer | null>;
  /** Size in bytes (a directory has one too: it says the directory exists), or null when nothing is there. */
  fileSize(path: string): Promise<number | null>;
  /** Lists the entries of a directory (names only); empty when it does not exist. */
  listDir(path: string): Promise<string[]>;
  /** Removes a file or directory tree; no error when it does not exist. */
  remove(path: string): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}
