import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A small load balancer for tests with several `sbx web` processes, on
 * 127.0.0.1: round robin over the upstreams its health checks (`GET
 * /readyz`, every `checkIntervalMs`, one answer decides: up on 200, down
 * otherwise) find up, one fresh connection per request (as nginx without
 * upstream keep-alive), and a request whose connection was refused is sent
 * to the next upstream (it never reached a server: safe to repeat, as
 * nginx's `proxy_next_upstream error` and HAProxy's `redispatch` do). Any
 * other upstream error is answered 502 and kept in `errors`; with no
 * upstream up it answers 503. Every status it answered is counted.
 */
export interface RoundRobinProxy {
  url: string;
  /** How many answers of each status the proxy gave. */
  statuses: Map<number, number>;
  /** Requests sent on to another upstream after a refused connection. */
  retried: number;
  /** Upstream errors that became a 502 or 503 (each with the upstream and the request). */
  errors: string[];
  /** Whether the health check last found each upstream up (in the order given). */
  up(): boolean[];
  close(): Promise<void>;
}

interface Upstream {
  port: number;
  up: boolean;
}

export async function startRoundRobinProxy({
  ports,
  checkIntervalMs = 100,
}: {
  ports: number[];
  checkIntervalMs?: number;
}): Promise<RoundRobinProxy> {
  const upstreams: Upstream[] = ports.map((port) => ({ port, up: false }));
  let next = 0;
  let closed = false;
  const proxy: Omit<RoundRobinProxy, 'url' | 'close'> = {
    statuses: new Map(),
    retried: 0,
    errors: [],
    up: () => upstreams.map((upstream) => upstream.up),
  };
  const answer = (res: ServerResponse, status: number, text: string) => {
    proxy.statuses.set(status, (proxy.statuses.get(status) ?? 0) + 1);
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(text);
  };

  const forward = (
    upstream: Upstream,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
  ): Promise<'done' | 'refused'> =>
    new Promise((resolve) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, connection: 'close', 'x-forwarded-for': req.socket.remoteAddress ?? '' },
          agent: false,
        },
        (incoming) => {
          const status = incoming.statusCode ?? 502;
          proxy.statuses.set(status, (proxy.statuses.get(status) ?? 0) + 1);
          const headers = { ...incoming.headers };
          delete headers.connection;
          res.writeHead(status, headers);
          incoming.pipe(res);
          incoming.on('end', () => resolve('done'));
          incoming.on('error', (error) => {
            proxy.errors.push(`${upstream.port} ${req.method} ${req.url}: response cut (${error.message})`);
            res.destroy();
            resolve('done');
          });
        },
      );
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED') {
          upstream.up = false;
          return resolve('refused');
        }
        proxy.errors.push(`${upstream.port} ${req.method} ${req.url}: ${error.code ?? error.message}`);
        answer(res, 502, 'bad gateway\n');
        resolve('done');
      });
      outgoing.end(body);
    });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        // Each upstream at most once per request, starting with the next one in turn.
        const order = upstreams.map((_, i) => upstreams[(next + i) % upstreams.length]!);
        next = (next + 1) % upstreams.length;
        let refused = false;
        for (const upstream of order) {
          if (!upstream.up) continue;
          if (refused) proxy.retried += 1;
          if ((await forward(upstream, req, body, res)) === 'done') return;
          refused = true;
        }
        proxy.errors.push(`no upstream up for ${req.method} ${req.url}`);
        answer(res, 503, 'no server is available\n');
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const check = (upstream: Upstream) =>
    new Promise<void>((resolve) => {
      const probe = request(
        { host: '127.0.0.1', port: upstream.port, path: '/readyz', agent: false, timeout: 2_000 },
        (incoming) => {
          incoming.resume();
          upstream.up = incoming.statusCode === 200;
          resolve();
        },
      );
      probe.on('timeout', () => probe.destroy(new Error('health check timed out')));
      probe.on('error', () => {
        upstream.up = false;
        resolve();
      });
      probe.end();
    });
  // One round of checks at a time, until closed.
  const checking = (async () => {
    while (!closed) {
      await Promise.all(upstreams.map(check));
      await new Promise((resolve) => setTimeout(resolve, checkIntervalMs));
    }
  })();

  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    async close() {
      closed = true;
      await checking;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
