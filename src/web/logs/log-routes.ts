import type { IncomingMessage, ServerResponse } from 'node:http';
import { droppedLogMarker } from '../../core/log-dropped-marker';
import type { Appserver } from '../../core/model';
import { markStreamingRoute } from '../../infra/metrics';
import type { Router } from '../../infra/http/router';
import { sendText } from '../../infra/http/router';
import type { StatusDeps } from '../status-deps';
import { liveLogScript } from './live-log-script';
import type { LogChunk } from '../../infra/db/log-reader';

const streamRoute = '/sandboxes/:slug/appservers/:n/log/stream';
const keepAliveMs = 15_000;
const maxFollowers = 500;

/** One SSE event per chunk; its id is the chunk's byte offset, so a reconnect (Last-Event-ID) resumes right after it. */
export function sseEvent(chunk: LogChunk): string {
  const lines = chunk.content.replace(/\r\n?/g, '\n').split('\n');
  return `id: ${chunk.offset}\nevent: log\n${lines.map((line) => `data: ${line}\n`).join('')}\n`;
}

/** Where a stream starts: after the Last-Event-ID the browser sends on reconnect, else after `?after=`, else at the beginning. */
export function streamCursor(req: IncomingMessage): number {
  const header = req.headers['last-event-id'];
  const query = new URL(req.url ?? '/', 'http://local').searchParams.get('after');
  for (const value of [typeof header === 'string' ? header : null, query]) {
    if (value !== null && /^-?\d{1,15}$/.test(value.trim())) return Math.max(-1, Number(value));
  }
  return -1;
}

/** The deploy log as plain text, and live as Server-Sent Events; both for readers only. */
export function registerLogRoutes(router: Router, deps: StatusDeps): void {
  async function findAppserver(
    req: IncomingMessage,
    res: ServerResponse,
    params: Record<string, string>,
  ): Promise<Appserver | null> {
    if (!deps.auth.viewer(req).canRead) {
      sendText(res, 403, 'sign in to read deploy logs\n');
      return null;
    }
    const instance = await deps.store.findInstanceBySlug((params.slug ?? '').toLowerCase());
    const number = /^\d{1,9}$/.test(params.n ?? '') ? Number(params.n) : NaN;
    const appserver =
      instance && !instance.deletedAt && Number.isInteger(number)
        ? await deps.store.findAppserver(instance.id, number)
        : null;
    if (!appserver) sendText(res, 404, `no appserver ${params.n} for sandbox ${params.slug}\n`);
    return appserver;
  }

  router.get('/sandboxes/:slug/appservers/:n/log.txt', async (req, res, params) => {
    const appserver = await findAppserver(req, res, params);
    if (!appserver) return;
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
      'content-disposition': `inline; filename="${params.slug}-appserver-${appserver.number}.log"`,
    });
    let cursor = -1;
    res.write(droppedLogMarker(appserver.logDroppedBytes));
    while (!res.destroyed) {
      const chunks = await deps.logs.after(appserver.id, cursor, 1024 * 1024);
      if (chunks.length === 0) break;
      for (const chunk of chunks) {
        cursor = chunk.offset;
        if (!res.write(chunk.content)) await drained(res);
      }
    }
    res.end();
  });

  markStreamingRoute(streamRoute);
  router.get(streamRoute, async (req, res, params) => {
    const appserver = await findAppserver(req, res, params);
    if (!appserver) return;
    if (deps.feeds.followers >= maxFollowers) {
      res.setHeader('retry-after', '10');
      sendText(res, 503, 'too many live log viewers on this web process; try again shortly\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    const cursor = streamCursor(req);
    // No id: a reconnect resumes after the last real chunk, and the marker is not repeated.
    const marker = droppedLogMarker(appserver.logDroppedBytes).trimEnd();
    if (cursor === -1 && marker) res.write(`event: log\ndata: ${marker}\n\n`);
    const follow = deps.feeds.follow(appserver.id, {
      cursor,
      write: (chunk) => res.write(sseEvent(chunk)),
      state: (state) => void (res.writableNeedDrain || res.write(`event: state\ndata: ${state}\n\n`)),
      // complete: the log is whole, so the page stops listening; otherwise (shutdown) the browser reconnects, maybe to another replica.
      finish: (complete) => (complete ? res.end('event: end\ndata: complete\n\n') : res.destroy()),
    });
    // A viewer that stopped reading gets no keep-alives either: nothing piles up for it.
    const keepAlive = setInterval(() => res.writableNeedDrain || res.write(': keep-alive\n\n'), keepAliveMs);
    res.on('drain', () => follow.resume());
    res.on('close', () => {
      clearInterval(keepAlive);
      follow.stop();
    });
  });

  router.get('/assets/live-log.js', (_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=3600',
      'content-length': Buffer.byteLength(liveLogScript),
    });
    res.end(liveLogScript);
  });
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
