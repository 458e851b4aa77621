import type { Command } from 'commander';
import { unfinishedStates } from '../../core/appserver-state';
import { SandboxError } from '../../core/errors';
import { droppedLogMarker } from '../../core/log-dropped-marker';
import { resolveInstance } from '../../core/operations/resolve-instance';
import type { CliContext } from '../context';
import { withRuntime } from '../runtime';

export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs <instance> [appserver]')
    .description('print an appserver’s deploy log (default: the newest appserver); secrets are redacted')
    .option('--follow', 'keep printing new lines until the deploy ends (Ctrl-C to stop)')
    .action(async (reference: string, number: string | undefined, options: { follow?: boolean }) => {
      await withRuntime(ctx, async ({ provisioning: { store } }) => {
        const instance = await resolveInstance(store, reference);
        const appservers = await store.listAppservers(instance.id);
        const appserver =
          number === undefined ? appservers.at(-1) : appservers.find((a) => a.number === Number(number));
        if (!appserver) throw new SandboxError('not_found', `${instance.slug} has no appserver ${number ?? ''}`.trim());
        let offset = -1;
        ctx.stdout.write(droppedLogMarker(appserver.logDroppedBytes));
        for (let idle = 0; ;) {
          const chunks = await store.readLog(appserver.id, { afterOffset: offset, limitBytes: 1 << 20 });
          for (const chunk of chunks) {
            ctx.stdout.write(chunk.content);
            offset = chunk.offset;
          }
          if (!options.follow) return;
          const current = await store.getAppserver(appserver.id);
          const finished = !current || !unfinishedStates.includes(current.state);
          if (chunks.length === 0) {
            if (finished && (idle += 1) > 1) return;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
      });
    });
}
