import { SandboxError } from '../errors';
import type { Actor, Appserver, Instance } from '../model';
import type { HostDirectory } from '../ports/other-ports';
import type { Store } from '../ports/store';
import type { Redactor } from '../redact';
import { resolveInstance } from './resolve-instance';

/** How long `sbx exec` lets a command run unless told otherwise. */
export const defaultExecTimeoutMs = 60 * 60_000;

/**
 * Loads the sandbox's variables the way the runner's phases see them, then
 * replaces itself with the operator's command. The command arrives as
 * positional arguments ("$@"): none of its text is ever part of this script,
 * and the transport quotes every argument (ssh) or execs it directly (local).
 */
const execScript = [
  'set -a; . ./sandbox.env; set +a',
  'if [ -s commit.txt ]; then export SBX_COMMIT="$(cat commit.txt)"; fi',
  'exec "$@"',
].join('\n');

export interface ExecRequest {
  reference: string;
  /** Appserver number; null: the active one, else the newest with a work directory. */
  appserver: number | null;
  command: readonly string[];
  actor: Actor;
  timeoutMs?: number;
  onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/**
 * Runs an operator's command in an appserver's work directory on its host,
 * with the sandbox's variables (sandbox.env), streaming its output; audited
 * as `exec` with the command line and exit status. Who may do this is the
 * caller's decision (admins only), made before calling.
 */
export async function execInAppserver(
  deps: { store: Store; hosts: HostDirectory; redactor: Redactor },
  request: ExecRequest,
): Promise<{ instance: Instance; appserver: number; exitCode: number; signal: string | null }> {
  if (request.command.length === 0 || request.command[0] === '')
    throw new SandboxError('usage', 'name the command to run after `--`, e.g. sbx exec demo -- ls -la');
  const instance = await resolveInstance(deps.store, request.reference);
  const appserver = await pickAppserver(deps.store, instance, request.appserver);
  const host = await deps.store.getHost(appserver.hostId!);
  if (!host)
    throw new SandboxError('not_found', `the host of ${instance.slug}'s appserver ${appserver.number} is gone`);
  const audit = (result: 'ok' | 'error', detail: Record<string, unknown>) =>
    deps.store.recordAudit({
      actor: request.actor.id,
      surface: request.actor.surface,
      action: 'exec',
      instanceId: instance.id,
      instanceSlug: instance.slug,
      result,
      // An operator may type a secret on the command line (PASSWORD=…, a URL with a password): stored redacted.
      detail: {
        appserver: appserver.number,
        host: host.name,
        command: redactCommand(deps.redactor, request.command),
        ...detail,
      },
    });
  let outcome;
  try {
    outcome = await deps.hosts.transportFor(host).exec(['bash', '-c', execScript, 'sbx-exec', ...request.command], {
      cwd: appserver.workDir!,
      timeoutMs: request.timeoutMs ?? defaultExecTimeoutMs,
      onOutput: request.onOutput,
    });
  } catch (error) {
    await audit('error', { error: error instanceof Error ? error.message : String(error) });
    throw new SandboxError(
      'host_unreachable',
      `exec on ${instance.slug} appserver ${appserver.number} (${host.name}): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const exitCode = outcome.code ?? 128 + signalNumber(outcome.signal);
  await audit(exitCode === 0 ? 'ok' : 'error', { exitCode, ...(outcome.signal ? { signal: outcome.signal } : {}) });
  return { instance, appserver: appserver.number, exitCode, signal: outcome.signal };
}

/** The command line as the audit log keeps it: each word redacted like a log line. */
export function redactCommand(redactor: Redactor, command: readonly string[]): string[] {
  return command.map((word) => redactor.redact(word));
}

/** A command ended by a signal exits the way a shell reports it: 128 + the signal's number. */
function signalNumber(signal: string | null): number {
  const numbers: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ABRT: 6, KILL: 9, SEGV: 11, PIPE: 13, TERM: 15 };
  return numbers[(signal ?? 'TERM').replace(/^SIG/, '')] ?? 15;
}

async function pickAppserver(store: Store, instance: Instance, number: number | null): Promise<Appserver> {
  const appservers = (await store.listAppservers(instance.id)).filter(
    (a) => a.state !== 'terminated' && a.hostId !== null && a.workDir,
  );
  const picked =
    number !== null
      ? appservers.find((a) => a.number === number)
      : (appservers.find((a) => a.id === instance.activeAppserverId) ?? appservers.at(-1));
  if (picked) return picked;
  const which = number === null ? 'no appserver' : `no appserver ${number}`;
  const have = appservers.map((a) => a.number).join(', ');
  throw new SandboxError(
    'not_found',
    `${instance.slug} has ${which} with a work directory${have ? ` (it has ${have})` : ''}; deploy it first (sbx deploy ${instance.slug})`,
  );
}
