import type { Config } from '../config/schema';
import type { Database } from '../infra/db/database';

/** `warn`: works, but unsafe or unusual; does not fail the doctor. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';
export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
}

/** A doctor check; later parts of the bot add theirs to `doctorChecks`. */
export type DoctorCheck = (env: {
  config: Config;
  database: Database | null;
  env: NodeJS.ProcessEnv;
  /** What the operator asked for on the command line (`sbx doctor --min-free`). */
  options?: DoctorOptions;
}) => Promise<CheckResult[]>;

export interface DoctorOptions {
  /** Free bytes each host's work root needs (default: `defaultMinFreeBytes` of doctor-disk). */
  minFreeBytes?: number;
}
