import type { Command } from 'commander';
import { unfinishedStates } from '../../core/appserver-state';
import { SandboxError } from '../../core/errors';
import { droppedLogMarker } from '../../core/log-dropped-marker';
import type { Appserver } from '../../core/model';
import { resolveInstance } from '../../core/operations/resolve-instance';
import type { CliContext } from '../context';
import { withRuntime } from '../runtime';

type ReadChunks = (afterOffset: number) => Promise<{ offset: number; content: string }[]>;

export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs <instance> [appserver]')
    .description(
      'print an appserver’s deploy log (default: the newest appserver), or with --runtime its own output since it became healthy; secrets are redacted',
    )
    .option(
      '--runtime',
      'the running service’s own output (copied every runtime_log.interval) instead of the deploy log',
    )
    .option(
      '--follow',
      'keep printing new lines until the deploy ends, or with --runtime until the appserver stops (Ctrl-C to stop)',
    )
    .action(async (reference: string, number: string | undefined, options: { follow?: boolean; runtime?: boolean }) => {
      await withRuntime(ctx, async ({ provisioning: { store }, commands }) => {
        const instance = await resolveInstance(store, reference);
        const appservers = await store.listAppservers(instance.id);
        const appserver =
          number === undefined ? appservers.at(-1) : appservers.find((a) => a.number === Number(number));
        if (!appserver) throw new SandboxError('not_found', `${instance.slug} has no appserver ${number ?? ''}`.trim());
        if (options.runtime) {
          const runtimeLogs = commands.runtimeLogs;
          if (!runtimeLogs) throw new SandboxError('usage', 'this bot keeps no runtime logs');
          const state = await runtimeLogs.state(appserver.id);
          if (!state && !options.follow)
            ctx.stderr.write(
              `no runtime output of ${instance.slug} appserver ${appserver.number} kept yet (state ${appserver.state}; it is copied while the appserver runs)\n`,
            );
          ctx.stdout.write(droppedLogMarker(state?.droppedBytes ?? 0));
          await printLog(
            ctx,
            (afterOffset) => runtimeLogs.read(appserver.id, { afterOffset, limitBytes: 1 << 20 }),
            options.follow ? async () => (await store.getAppserver(appserver.id))?.state !== 'running' : null,
          );
          return;
        }
        ctx.stdout.write(droppedLogMarker(appserver.logDroppedBytes));
        await printLog(
          ctx,
          (afterOffset) => store.readLog(appserver.id, { afterOffset, limitBytes: 1 << 20 }),
          options.follow ? async () => deployEnded(await store.getAppserver(appserver.id)) : null,
        );
      });
    });
}

const deployEnded = (current: Appserver | null) => !current || !unfinishedStates.includes(current.state);

/** Prints every chunk, then (when `finished` is given) keeps printing new ones until it says so twice with nothing new. */
async function printLog(ctx: CliContext, read: ReadChunks, finished: (() => Promise<boolean>) | null): Promise<void> {
  let offset = -1;
  for (let idle = 0; ;) {
    const chunks = await read(offset);
    for (const chunk of chunks) {
      ctx.stdout.write(chunk.content);
      offset = chunk.offset;
    }
    if (!finished) return;
    if (chunks.length === 0) {
      if ((await finished()) && (idle += 1) > 1) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
