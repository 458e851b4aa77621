import type { Command } from 'commander';
import { startBot, type Bot } from '../../app/start-bot';
import { createLogger, type Logger } from '../../infra/logger';
import type { CliContext } from '../context';

/** `sbx start` (web + worker, what `npm start` runs), `sbx web`, `sbx worker`. */
export function registerStart(program: Command, ctx: CliContext): void {
  const roles = [
    { name: 'start', web: true, worker: true, summary: 'run the whole bot: web server and job worker' },
    { name: 'web', web: true, worker: false, summary: 'run only the web server (scale out with several)' },
    { name: 'worker', web: false, worker: true, summary: 'run only the job worker (scale out with several)' },
  ];
  for (const role of roles) {
    program
      .command(role.name)
      .description(role.summary)
      .action(async () => {
        const config = ctx.config();
        const logger = createLogger(config.log);
        const startedAt = Date.now();
        // Signals are handled from the first moment: one that arrives while starting stops the bot once it is up.
        const shutdown = watchSignals(logger);
        let bot: Bot;
        try {
          bot = await startBot({ config, logger, web: role.web, worker: role.worker });
        } catch (error) {
          shutdown.dispose();
          logger.fatal({ err: error }, error instanceof Error ? error.message : String(error));
          await flush(logger);
          ctx.setExitCode(1);
          return;
        }
        logger.info(
          { ms: Date.now() - startedAt, url: bot.port ? config.public_url : undefined },
          'sandbox bot is ready',
        );
        const signal = await shutdown.requested;
        logger.info(
          { signal, graceMs: config.worker.shutdown_grace, drainMs: role.web ? config.server.drain : undefined },
          'shutting down: no new jobs, /readyz fails; requests in flight finish, running jobs get the grace period',
        );
        await bot
          .stop(config.worker.shutdown_grace)
          .catch((error: unknown) => logger.error({ err: error }, 'error during shutdown'));
        shutdown.dispose();
        logger.info('stopped');
      });
  }
}

/** First SIGINT/SIGTERM: `requested` resolves (graceful stop). A second one: exit at once. */
function watchSignals(logger: Logger): { requested: Promise<NodeJS.Signals>; dispose(): void } {
  let signalled = false;
  let resolveRequested: (signal: NodeJS.Signals) => void = () => undefined;
  const requested = new Promise<NodeJS.Signals>((resolve) => (resolveRequested = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    signalled = true;
    resolveRequested(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    requested,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function flush(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
