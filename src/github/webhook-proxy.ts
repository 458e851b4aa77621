import type { Logger } from '../infra/logger';

interface SmeeClientLike {
  start(): unknown;
  stop?(): unknown;
}
type SmeeClientClass = new (options: {
  source: string;
  target: string;
  logger: Pick<Logger, 'info' | 'error'>;
}) => SmeeClientLike;

/**
 * `WEBHOOK_PROXY_URL` for development, as in any Probot app: smee.io
 * forwards GitHub's deliveries to this bot. Needs the `smee-client`
 * package (`npm install --save-dev smee-client`), like Probot itself.
 */
export async function startWebhookProxy(
  source: string,
  target: string,
  logger: Logger,
): Promise<{ stop(): void } | null> {
  let SmeeClient: SmeeClientClass;
  try {
    const name = 'smee-client';
    SmeeClient = ((await import(name)) as { SmeeClient: SmeeClientClass }).SmeeClient;
  } catch {
    logger.warn(
      'WEBHOOK_PROXY_URL is set but smee-client is not installed: run `npm install --save-dev smee-client` to proxy webhooks to this bot',
    );
    return null;
  }
  const client = new SmeeClient({ source, target, logger: logger.child({ name: 'smee' }) });
  await client.start();
  logger.info({ source, target }, 'forwarding webhooks from the proxy');
  return { stop: () => void client.stop?.() };
}
