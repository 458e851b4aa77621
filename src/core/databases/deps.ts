import type { Instance } from '../model';
import type { DatabaseAdmins, DatabaseFacts, DatabaseNeeds, DatabaseRecords } from './types';

/** What persistent databases need, handed in by the composition root (src/app/databases.ts). */
export interface DatabaseDeps {
  records: DatabaseRecords;
  admins: DatabaseAdmins;
  /** What the instance's recipe declares; throws SandboxError for a recipe that cannot have persistent databases. */
  needsFor(instance: Instance): DatabaseNeeds;
  /** Recipe variables (vars.yml) for the facts: Open edX's names for `openedx-ansible`, none for the others. */
  varsFor(instance: Instance, facts: readonly DatabaseFacts[]): Record<string, unknown>;
  /** Where `sbx db snapshot` writes archives. */
  snapshotDir: string;
  random?: () => number;
}
