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
        let bot: Bot;
        try {
          bot = await startBot({ config, logger, web: role.web, worker: role.worker });
        } catch (error) {
          logger.fatal({ err: error }, error instanceof Error ? error.message : String(error));
          await flush(logger);
          ctx.setExitCode(1);
          return;
        }
        logger.info({ ms: Date.now() - startedAt, url: bot.port ? config.public_url : undefined }, 'sandbox bot is ready');
        await untilSignal(bot, logger, config.worker.shutdown_grace);
      });
  }
}

/** First SIGINT/SIGTERM: graceful stop. A second one: exit at once. */
function untilSignal(bot: Bot, logger: Logger, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      signalled = true;
      logger.info({ signal, graceMs }, 'shutting down: no new jobs; running jobs get the grace period');
      void bot
        .stop(graceMs)
        .catch((error: unknown) => logger.error({ err: error }, 'error during shutdown'))
        .finally(() => {
          logger.info('stopped');
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function flush(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
