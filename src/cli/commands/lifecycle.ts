import type { Command } from 'commander';
import { SandboxError } from '../../core/errors';
import { activate, archive, cancel, deleteInstance, requestDeployment, restore } from '../../core/operations/operations';
import { resolveInstance } from '../../core/operations/resolve-instance';
import type { CliContext } from '../context';
import { appserverJson, table } from '../present';
import { warnWithoutWorker, withRuntime, writeJson, type CliRuntime } from '../runtime';
import { waitForDeployment } from '../wait-for-deployment';

const parseCount = (name: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new SandboxError('usage', `${name} must be a whole number ≥ 1, not "${value}"`);
  return number;
};

/** deploy, activate, appservers, cancel, archive, restore, delete. */
export function registerLifecycle(program: Command, ctx: CliContext): void {
  program
    .command('deploy <instance>')
    .description('deploy a new appserver with the sandbox’s current settings; activates it on success')
    .option('--no-activate', 'leave the current appserver active')
    .option('--attempts <n>', 'fresh appservers to try before giving up', parseCount('--attempts'), 1)
    .option('--wait', 'block until the deployment ends (progress on stderr); exit 0 only if it is running (and active)')
    .option('--timeout <seconds>', 'with --wait: give up after this long', parseCount('--timeout'), 3600)
    .option('--json', 'print one JSON object')
    .action(async (reference: string, options: { activate: boolean; attempts: number; wait?: boolean; timeout: number; json?: boolean }) => {
      await withRuntime(ctx, async (runtime) => {
        const instance = await resolveInstance(runtime.provisioning.store, reference);
        const deployment = await requestDeployment({ store: runtime.provisioning.store }, instance, { actor: runtime.actor, activateOnSuccess: options.activate, attempts: options.attempts });
        await warnWithoutWorker(ctx, runtime.database);
        if (!options.wait) {
          if (options.json) writeJson(ctx, { slug: instance.slug, deployment: deployment.id, state: deployment.state });
          else ctx.stdout.write(`deployment ${deployment.id} of ${instance.slug} queued\n`);
          return;
        }
        const outcome = await waitForDeployment(runtime, deployment.id, { timeoutMs: options.timeout * 1000, activate: options.activate, progress: (line) => ctx.stderr.write(`${line}\n`) });
        const hosts = await runtime.provisioning.store.listHosts();
        const latest = await runtime.provisioning.store.getInstance(instance.id);
        if (options.json) writeJson(ctx, outcome.appserver ? appserverJson(latest!, outcome.appserver, hosts) : { slug: instance.slug, state: outcome.deploymentState });
        else ctx.stdout.write(`${outcome.ok ? 'ok' : 'failed'}: ${outcome.summary}\n`);
        ctx.setExitCode(outcome.ok ? 0 : 1);
      });
    });

  program
    .command('activate <instance> [appserver]')
    .description('route the sandbox’s domains to a running appserver (default: the newest running one)')
    .action(async (reference: string, number: string | undefined) => {
      await withRuntime(ctx, async ({ provisioning: { store }, actor, database }) => {
        const instance = await resolveInstance(store, reference);
        const chosen = await activate({ store }, instance, { actor, number: number === undefined ? undefined : parseCount('appserver')(number) });
        await warnWithoutWorker(ctx, database);
        ctx.stdout.write(`activating appserver ${chosen.number} of ${instance.slug}\n`);
      });
    });

  program
    .command('appservers <instance>')
    .description('list a sandbox’s appservers')
    .option('--json', 'print one JSON object')
    .action(async (reference: string, options: { json?: boolean }) => {
      await withRuntime(ctx, async ({ provisioning: { store } }) => {
        const instance = await resolveInstance(store, reference);
        const hosts = await store.listHosts();
        const rows = (await store.listAppservers(instance.id)).map((a) => appserverJson(instance, a, hosts));
        if (options.json) return writeJson(ctx, { slug: instance.slug, appservers: rows });
        ctx.stdout.write(table([['#', 'STATE', 'ACTIVE', 'HOST', 'PORT', 'COMMIT', 'FAILURE'], ...rows.map((r) => [String(r.number), r.state, r.active ? 'yes' : '', r.host ?? '', String(r.port ?? ''), (r.commit ?? '').slice(0, 12), (r.failure_reason ?? '').split('\n')[0]!])]));
      });
    });

  // archive, restore and delete are also `sbx instances <name>` (where SPEC §6 lists them).
  const instances = program.commands.find((command) => command.name() === 'instances');
  const simple = (name: string, summary: string, run: (runtime: CliRuntime, reference: string, options: { force?: boolean }) => Promise<string>, { alsoUnderInstances = false } = {}) => {
    const parents = alsoUnderInstances && instances ? [program, instances] : [program];
    const commands = parents.map((parent) =>
      parent
        .command(`${name} <instance>`)
        .description(summary)
        .action(async (reference: string, options: { force?: boolean }) => {
          await withRuntime(ctx, async (runtime) => {
            ctx.stdout.write(`${await run(runtime, reference, options)}\n`);
            await warnWithoutWorker(ctx, runtime.database);
          });
        }),
    );
    return { option: (flags: string, description: string) => commands.forEach((command) => command.option(flags, description)) };
  };

  simple('cancel', 'cancel the sandbox’s unfinished deployments', async ({ provisioning: { store }, actor }, reference) => {
    const instance = await resolveInstance(store, reference);
    const count = await cancel({ store }, instance, { actor });
    return `cancelling ${count} unfinished appserver(s) of ${instance.slug}`;
  });
  simple('archive', 'terminate every appserver and remove routes; keeps data', async ({ provisioning: { store }, actor }, reference) => {
    const instance = await resolveInstance(store, reference);
    await archive({ store }, instance, { actor });
    return `archiving ${instance.slug}`;
  }, { alsoUnderInstances: true });
  simple('restore', 'bring an archived sandbox back (deploys and activates)', async ({ provisioning: { store }, actor }, reference) => {
    const instance = await resolveInstance(store, reference);
    await restore({ store }, instance, { actor });
    return `restoring ${instance.slug}`;
  }, { alsoUnderInstances: true });
  simple('delete', 'archive, then destroy the sandbox’s data (production ones need --force)', async ({ provisioning: { store }, actor }, reference, options) => {
    const instance = await resolveInstance(store, reference);
    await deleteInstance({ store }, instance, { actor, force: options.force });
    return `deleting ${instance.slug}`;
  }, { alsoUnderInstances: true }).option('--force', 'delete even a production sandbox');
}
