import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema';

export type { Logger };

/** The one pino logger: JSON by default, human-readable with LOG_FORMAT=pretty or on a TTY. */
export function createLogger(log: Config['log'], options: { isTty?: boolean; redactValues?: string[] } = {}): Logger {
  const pretty = log.format === 'pretty' || (log.format === 'auto' && (options.isTty ?? process.stdout.isTTY === true));
  return pino({
    level: log.level,
    base: { pid: process.pid },
    redact: {
      paths: [
        '*.private_key',
        '*.webhook_secret',
        '*.bot_token',
        '*.signing_secret',
        '*.app_token',
        '*.client_secret',
        '*.session_secret',
        '*.password',
      ],
      censor: '***',
    },
    transport: pretty
      ? { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } }
      : undefined,
  });
}
