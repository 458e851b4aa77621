import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { RouteTarget } from '../../src/core/ports/load-balancer';

export interface Upstream {
  name: string;
  target: RouteTarget;
  close(): Promise<void>;
}

/** A tiny appserver on 127.0.0.1 that answers its own name and the headers it got; upgrades echo with its name. */
export async function startUpstream(name: string, port = 0): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name, headers: req.headers }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (_req, socket: Socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: sbx-echo\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (chunk: Buffer) => socket.write(`${name}:${chunk.toString()}`));
    // Node's HTTP server sockets allow half-open: close our side when the client closes its own, as a real app does.
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('upstream has no address');
  return {
    name,
    target: { address: '127.0.0.1', port: address.port },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
