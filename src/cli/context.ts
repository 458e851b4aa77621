import type { Config } from '../config/schema';

/** What every CLI command gets: lazy config and output streams (injectable in tests). */
export interface CliContext {
  /** Loads and validates the configuration once; exits with code 2 and a list of problems when it is invalid. */
  config(): Config;
  /** Environment the command runs in (the only place besides load-config that sees process.env). */
  env: NodeJS.ProcessEnv;
  /** Answers to prompts (default: the process's stdin). */
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Who runs this process (admin-only commands check it); default: the OS user of the process. */
  osUser?: { name: string; uid: number };
  /** Sets the process exit code without exiting (so output is flushed). */
  setExitCode(code: number): void;
}
