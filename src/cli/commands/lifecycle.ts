import type { Command } from 'commander';
import { parseDuration } from '../../core/duration';
import { SandboxError } from '../../core/errors';
import { isExpiryWarned } from '../../core/expiry/expiry-policy';
import { resolveInstance } from '../../core/operations/resolve-instance';
import type { CliContext } from '../context';
import { appserverJson, instanceJson, table } from '../present';
import { runCliCommand } from '../run-cli-command';
import { warnWithoutWorker, withRuntime, writeJson, type CliRuntime } from '../runtime';
import { createProgress } from '../progress';
import { deploySteps, waitForDeployment } from '../wait-for-deployment';
import { waitForDeletion } from '../wait-for-deletion';

interface SimpleOptions {
  force?: boolean;
  wait?: boolean;
  timeout?: string;
}

const parseCount = (name: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new SandboxError('usage', `${name} must be a whole number ≥ 1, not "${value}"`);
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
    .action(
      async (
        reference: string,
        options: { activate: boolean; attempts: number; wait?: boolean; timeout: number; json?: boolean },
      ) => {
        await withRuntime(ctx, async (runtime) => {
          const answer = await runCliCommand(runtime, {
            name: 'redeploy',
            instance: reference,
            activate: options.activate,
            attempts: options.attempts,
          });
          const { sandbox, deployment } = answer;
          await warnWithoutWorker(ctx, runtime.database);
          if (!options.wait) {
            if (options.json)
              writeJson(ctx, {
                slug: sandbox.slug,
                deployment: deployment.id,
                state: 'pending',
                restored: answer.restored,
              });
            else
              ctx.stdout.write(
                `deployment ${deployment.id} of ${sandbox.slug} queued${answer.restored ? ' (it was archived: restoring it)' : ''}\n`,
              );
            return;
          }
          const bar = createProgress(ctx, { title: sandbox.slug, total: deploySteps(options.activate) });
          const outcome = await waitForDeployment(runtime, deployment.id, {
            timeoutMs: options.timeout * 1000,
            activate: options.activate,
            progress: (line, step) => bar.update(step.done, step.name, line),
          }).finally(() => bar.stop());
          const hosts = await runtime.provisioning.store.listHosts();
          const latest = await runtime.provisioning.store.getInstance(sandbox.id);
          if (options.json)
            writeJson(
              ctx,
              outcome.appserver
                ? appserverJson(latest!, outcome.appserver, hosts)
                : { slug: sandbox.slug, state: outcome.deploymentState },
            );
          else ctx.stdout.write(`${outcome.ok ? 'ok' : 'failed'}: ${outcome.summary}\n`);
          ctx.setExitCode(outcome.ok ? 0 : 1);
        });
      },
    );

  program
    .command('activate <instance> [appserver]')
    .description('route the sandbox’s domains to a running appserver (default: the newest running one)')
    .action(async (reference: string, number: string | undefined) => {
      await withRuntime(ctx, async (runtime) => {
        const answer = await runCliCommand(runtime, {
          name: 'activate',
          instance: reference,
          appserver: number === undefined ? null : parseCount('appserver')(number),
        });
        await warnWithoutWorker(ctx, runtime.database);
        ctx.stdout.write(`activating appserver ${answer.appserver.number} of ${answer.sandbox.slug}\n`);
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
        ctx.stdout.write(
          table([
            ['#', 'STATE', 'ACTIVE', 'HOST', 'PORT', 'COMMIT', 'FAILURE'],
            ...rows.map((r) => [
              String(r.number),
              r.state,
              r.active ? 'yes' : '',
              r.host ?? '',
              String(r.port ?? ''),
              (r.commit ?? '').slice(0, 12),
              (r.failure_reason ?? '').split('\n')[0]!,
            ]),
          ]),
        );
      });
    });

  // archive, restore and delete are also `sbx instances <name>` (where SPEC §6 lists them).
  const instances = program.commands.find((command) => command.name() === 'instances');
  const simple = (
    name: string,
    summary: string,
    run: (runtime: CliRuntime, reference: string, options: SimpleOptions) => Promise<string>,
    { alsoUnderInstances = false } = {},
  ) => {
    const parents = alsoUnderInstances && instances ? [program, instances] : [program];
    const commands = parents.map((parent) =>
      parent
        .command(`${name} <instance>`)
        .description(summary)
        .action(async (reference: string, options: SimpleOptions) => {
          await withRuntime(ctx, async (runtime) => {
            ctx.stdout.write(`${await run(runtime, reference, options)}\n`);
            // With --wait the note came before the waiting.
            if (!options.wait) await warnWithoutWorker(ctx, runtime.database);
          });
        }),
    );
    return {
      option(flags: string, description: string) {
        commands.forEach((command) => command.option(flags, description));
        return this;
      },
    };
  };

  simple('cancel', 'cancel the sandbox’s unfinished deployments', async (runtime, reference) => {
    const answer = await runCliCommand(runtime, { name: 'cancel', instance: reference });
    return `cancelling ${answer.cancelled} unfinished appserver(s) of ${answer.sandbox.slug}`;
  });
  simple(
    'archive',
    'terminate every appserver and remove routes; keeps data',
    async (runtime, reference) => {
      const answer = await runCliCommand(runtime, { name: 'archive', instance: reference });
      return answer.alreadyArchived
        ? `${answer.sandbox.slug} is archived already (sbx restore ${answer.sandbox.slug} brings it back)`
        : `archiving ${answer.sandbox.slug}`;
    },
    { alsoUnderInstances: true },
  );
  simple(
    'restore',
    'bring an archived sandbox back (deploys and activates)',
    async (runtime, reference) => {
      const answer = await runCliCommand(runtime, { name: 'restore', instance: reference });
      return `restoring ${answer.sandbox.slug} (deployment ${answer.deployment.id})`;
    },
    { alsoUnderInstances: true },
  );
  simple(
    'delete',
    'archive, then destroy the sandbox’s data (production ones need --force)',
    async (runtime, reference, options) => {
      const seconds = options.timeout === undefined ? 600 : Number(options.timeout);
      if (!Number.isInteger(seconds) || seconds < 1)
        throw new SandboxError('usage', `--timeout must be a whole number of seconds ≥ 1, not "${options.timeout}"`);
      const answer = await runCliCommand(runtime, {
        name: 'delete',
        instance: reference,
        force: Boolean(options.force),
      });
      if (!options.wait) return `deleting ${answer.sandbox.slug}`;
      await warnWithoutWorker(ctx, runtime.database);
      const bar = createProgress(ctx, { title: `deleting ${answer.sandbox.slug}`, total: 1 });
      const outcome = await waitForDeletion(runtime, answer.sandbox.id, {
        timeoutMs: seconds * 1000,
        progress: (done, total, step) => {
          bar.setTotal(total);
          bar.update(done, step);
        },
      }).finally(() => bar.stop());
      if (!outcome.ok) ctx.setExitCode(1);
      return `${outcome.ok ? 'ok' : 'failed'}: ${outcome.summary}`;
    },
    { alsoUnderInstances: true },
  )
    .option('--force', 'delete even a production sandbox')
    .option('--wait', 'block until its data is gone (progress on stderr)')
    .option('--timeout <seconds>', 'with --wait: give up after this long (default 600)');

  program
    .command('status <instance>')
    .description('the sandbox’s state, URLs and appservers')
    .option('--json', 'print one JSON object')
    .action(async (reference: string, options: { json?: boolean }) => {
      await withRuntime(ctx, async (runtime) => {
        const { view, status, sandbox } = await runCliCommand(runtime, { name: 'status', instance: reference });
        const { instance, appservers } = view;
        if (options.json)
          return writeJson(ctx, {
            ...instanceJson(instance, appservers),
            urls: sandbox.urls,
            status_page: sandbox.statusUrl,
            expires_at: instance.expiresAt?.toISOString() ?? null,
            pinned: instance.pinned,
            expired_at: instance.expiredAt?.toISOString() ?? null,
          });
        const active = appservers.find((a) => a.id === instance.activeAppserverId);
        ctx.stdout.write(
          `${sandbox.slug}: ${status}${active ? ` (appserver ${active.number} active)` : ''}\n${sandbox.urls.map((url) => `  ${url}\n`).join('')}  status page: ${sandbox.statusUrl}\n`,
        );
        if (instance.pinned) ctx.stdout.write('  pinned: never expires\n');
        else if (instance.expiresAt && !instance.archivedAt)
          ctx.stdout.write(
            `  expires: ${instance.expiresAt.toISOString()} without activity${isExpiryWarned(instance) ? ' (warned)' : ''}\n`,
          );
        if (instance.expiredAt) ctx.stdout.write(`  archived for inactivity: ${instance.expiredAt.toISOString()}\n`);
      });
    });

  program
    .command('extend <instance> <duration>')
    .description(
      'keep the sandbox alive longer, e.g. 3d or 12h (its expiry moves that far from now, or from its expiry when later)',
    )
    .option('--json', 'print one JSON object')
    .action(async (reference: string, duration: string, options: { json?: boolean }) => {
      let durationMs: number;
      try {
        durationMs = parseDuration(duration);
      } catch {
        throw new SandboxError('usage', `"${duration}" is not a duration; use a number and a unit such as 12h or 3d`);
      }
      await withRuntime(ctx, async (runtime) => {
        const answer = await runCliCommand(runtime, { name: 'extend', instance: reference, duration, durationMs });
        if (options.json)
          return writeJson(ctx, { slug: answer.sandbox.slug, expires_at: answer.expiresAt.toISOString() });
        ctx.stdout.write(`${answer.sandbox.slug} now expires at ${answer.expiresAt.toISOString()}\n`);
      });
    });

  for (const name of ['pin', 'unpin'] as const) {
    program
      .command(`${name} <instance>`)
      .description(
        name === 'pin' ? 'exempt the sandbox from expiry' : 'let the sandbox expire again, a full TTL from now',
      )
      .option('--json', 'print one JSON object')
      .action(async (reference: string, options: { json?: boolean }) => {
        await withRuntime(ctx, async (runtime) => {
          const answer = await runCliCommand(runtime, { name, instance: reference });
          const expiresAt = answer.name === 'unpin' ? answer.expiresAt : null;
          if (options.json)
            return writeJson(ctx, {
              slug: answer.sandbox.slug,
              pinned: name === 'pin',
              expires_at: expiresAt?.toISOString() ?? null,
            });
          if (answer.name === 'pin')
            ctx.stdout.write(
              `${answer.sandbox.slug} ${answer.alreadyPinned ? 'was pinned already' : 'is pinned: it never expires'}\n`,
            );
          else
            ctx.stdout.write(
              `${answer.sandbox.slug} ${answer.wasPinned ? 'is unpinned' : 'was not pinned'}${expiresAt ? `; it expires at ${expiresAt.toISOString()} without activity` : ''}\n`,
            );
        });
      });
  }
}
