import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface DrainableServer {
  /** From now on every answer closes its connection, so keep-alive clients reconnect (through the load balancer, elsewhere). */
  startDraining(): void;
  /**
   * Stops accepting connections, lets the requests in flight finish for up
   * to `timeoutMs`, then cuts what is left (log streams, slow clients).
   * Resolves with the number of requests cut.
   */
  close(timeoutMs: number): Promise<number>;
}

/**
 * Tracks the requests a server is answering (the TLS listener's too: it
 * hands its requests to this server), so a stop finishes them instead of
 * cutting them: a webhook whose delivery is being recorded gets its 2xx.
 */
export function makeDrainable(server: Server): DrainableServer {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  let onIdle: (() => void) | null = null;
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    if (draining && !res.headersSent) res.setHeader('connection', 'close');
    res.once('close', () => {
      inFlight.delete(res);
      if (inFlight.size === 0) onIdle?.();
    });
  });
  return {
    startDraining() {
      draining = true;
    },
    async close(timeoutMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          onIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      const cut = inFlight.size;
      server.closeAllConnections();
      await closed;
      return cut;
    },
  };
}
