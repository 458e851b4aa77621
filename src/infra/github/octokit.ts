import type { ProbotOctokit } from 'probot';

export type Octokit = InstanceType<typeof ProbotOctokit>;

/** Installation access, as the adapters built on the App need it. */
export interface InstallationAccess {
  /** A client authenticated as one installation (tokens cached until shortly before they expire). */
  installation(installationId: number): Promise<Octokit>;
  /** The installation that covers a repository, or null when the App is not installed there. */
  installationOf(repository: string): Promise<number | null>;
}
