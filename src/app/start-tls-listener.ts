import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { TlsCertificate, UsesCertificate } from '../infra/load-balancers/tls-certificate';
import type { Logger } from '../infra/logger';
import { listen } from '../web/server';

export interface TlsListener extends UsesCertificate {
  port: number;
  close(): Promise<void>;
}

/**
 * HTTPS for the builtin load balancer: a TLS listener with the wildcard
 * certificate that hands every request and upgrade to the plain HTTP server's
 * handlers, so pages and sandbox traffic behave the same on both (the proxy
 * tells apps `X-Forwarded-Proto: https` from the socket).
 */
export async function startTlsListener({
  server,
  certificate,
  host,
  port,
  logger,
}: {
  server: Server;
  certificate: TlsCertificate;
  host: string;
  port: number;
  logger: Logger;
}): Promise<TlsListener> {
  const secure = createHttpsServer({ cert: certificate.certificate, key: certificate.key }, (req, res) =>
    server.emit('request', req, res),
  );
  secure.on('upgrade', (req, socket: Socket, head: Buffer) => {
    if (!server.emit('upgrade', req, socket, head)) socket.destroy();
  });
  secure.keepAliveTimeout = server.keepAliveTimeout;
  const bound = await listen(secure as unknown as Server, host, port);
  logger.info(
    { url: `https://${host}:${bound}`, validTo: certificate.validTo.toISOString() },
    'https listener for sandboxes',
  );
  return {
    port: bound,
    // New handshakes get the new certificate; open connections keep theirs.
    useCertificate: async (next) => {
      secure.setSecureContext({ cert: next.certificate, key: next.key });
      logger.info({ validTo: next.validTo.toISOString() }, 'https listener: certificate rotated');
    },
    close: () =>
      new Promise<void>((resolve) => {
        secure.close(() => resolve());
        secure.closeAllConnections();
      }),
  };
}
