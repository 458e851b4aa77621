import { withSecrets, type Redactor } from '../redact';
import type { ProvisioningDeps } from './deps';

/** The bot's redactor plus the instance's own secrets (its generated database passwords), for its deploy log. */
export async function redactorFor(
  deps: Pick<ProvisioningDeps, 'redactor' | 'databases'>,
  instanceId: number,
): Promise<Redactor> {
  if (!deps.databases) return deps.redactor;
  const rows = await deps.databases.records.listForInstance(instanceId);
  return withSecrets(
    deps.redactor,
    rows.map((row) => row.password).filter((password) => password.length > 0),
  );
}
