import { createServer, request } from 'node:http';
import type { Socket } from 'node:net';
import type { RouteTarget } from '../../src/core/ports/load-balancer';

export interface BodyUpstream {
  target: RouteTarget;
  close(): Promise<void>;
}

/**
 * A tiny appserver that reads the whole request body and answers how many
 * bytes it got and the headers it saw; `/slow?ms=N` waits N ms before answering.
 */
export async function startBodyUpstream(): Promise<BodyUpstream> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ bytes, headers: req.headers }));
      }, delay);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('upstream has no address');
  return {
    target: { address: '127.0.0.1', port: address.port },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface SentBody {
  status: number;
  body: string;
  ms: number;
}

/**
 * POSTs `bytes` bytes to 127.0.0.1:port with Host `host` (with a
 * Content-Length, or chunked when `chunked`). A proxy may refuse before
 * reading the body and close: a reset after the answer arrived still counts
 * as that answer.
 */
export function postBody(
  port: number,
  host: string,
  bytes: number,
  { path = '/', chunked = false }: { path?: string; chunked?: boolean } = {},
): Promise<SentBody> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let answer: SentBody | null = null;
    const headers: Record<string, string> = { host, 'content-type': 'application/octet-stream' };
    if (!chunked) headers['content-length'] = String(bytes);
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path, headers, agent: false, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve((answer = { status: res.statusCode ?? 0, body, ms: Date.now() - started })));
        res.on('error', () => answer ?? resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - started }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST http://${host}${path} timed out`)));
    req.on('error', (error) => (answer ? undefined : reject(error)));
    const payload = Buffer.alloc(bytes, 'x');
    if (!chunked) return req.end(payload);
    // Two chunks, so a proxy that counts as the body passes sees the limit crossed mid-stream.
    req.write(payload.subarray(0, bytes >> 1));
    setTimeout(() => req.end(payload.subarray(bytes >> 1)), 20);
  });
}
