import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../infra/logger';
import { declaredLength, maxRequestBytes, refuseTooLarge } from '../infra/http/read-body';
import type { RequestsInFlight } from '../infra/http/requests-in-flight';
import { sendText, type Router } from '../infra/http/router';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface WebServerOptions {
  router: Router;
  logger: Logger;
  /** Listeners tried before the router (the builtin load balancer answers sandbox hosts here). Return true when handled. */
  before?: RequestListener[];
  /**
   * Counts the requests that change something (not GET, HEAD or OPTIONS) on the bot's own routes while they are
   * answered: Slack commands, webhook deliveries, posted forms. Sandbox traffic (the listeners above) is not counted.
   */
  requests?: RequestsInFlight;
}

const readOnlyMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** One HTTP server for everything: pages, health, GitHub webhooks, Slack, and sandbox traffic. */
export function createWebServer({ router, logger, before = [], requests }: WebServerOptions): Server {
  const server = createServer((req, res) => {
    void dispatch(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url, method: req.method }, 'request failed');
      if (!res.headersSent) sendText(res, 500, 'internal error; see the bot log\n');
      else res.destroy();
    });
  });
  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const listener of before) if (await listener(req, res)) return;
    // Sandbox traffic (above) streams to the sandbox; nothing of the bot's own reads a body this large.
    if ((declaredLength(req) ?? 0) > maxRequestBytes) return refuseTooLarge(req, res, maxRequestBytes);
    if (requests && !readOnlyMethods.has(req.method ?? 'GET')) countOnceReceived(req, res, requests);
    if (!(await router.handle(req, res))) sendText(res, 404, 'not found\n');
  }
  server.keepAliveTimeout = 5_000;
  return server;
}

/**
 * Counted from the moment its whole body has been read to the end of its answer: a client trickling a body in is not
 * waited for, and a request answered without reading its body (404, refused unread) is not counted at all.
 */
function countOnceReceived(req: IncomingMessage, res: ServerResponse, requests: RequestsInFlight): void {
  let answered = false;
  let end: (() => void) | null = null;
  res.once('close', () => {
    answered = true;
    end?.();
  });
  req.once('end', () => {
    if (!answered) end = requests.begin();
  });
}

/** Listens, turning "port in use" into one clear message with the fix. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new Error(`port ${port} on ${host} is already in use by another process; stop it or set PORT to a free port`),
        );
      } else if (error.code === 'EACCES') {
        reject(new Error(`not allowed to listen on ${host}:${port}; use a port above 1024 (set PORT)`));
      } else {
        reject(error);
      }
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
