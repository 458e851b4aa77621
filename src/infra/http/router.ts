import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
) => void | Promise<void>;

interface Route {
  method: string;
  path: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** A small path router: `/sandboxes/:slug` patterns, first match wins; `mount` hands a whole prefix to another listener. */
/** Told about every request the router sees, with the route pattern that matched (for metrics). */
export type RouteObserver = (req: IncomingMessage, res: ServerResponse, route: string) => void;

export class Router {
  private readonly routes: Route[] = [];
  private readonly mounts: { prefix: string; handler: Handler }[] = [];
  private readonly observers: RouteObserver[] = [];

  on(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const source = path.replace(/:([a-zA-Z_]+)/g, (_m, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method, path, pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  get(path: string, handler: Handler): this {
    return this.on('GET', path, handler);
  }

  post(path: string, handler: Handler): this {
    return this.on('POST', path, handler);
  }

  mount(prefix: string, handler: Handler): this {
    this.mounts.push({ prefix, handler });
    return this;
  }

  observe(observer: RouteObserver): this {
    this.observers.push(observer);
    return this;
  }

  /** Returns false when nothing matched (the caller answers 404). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    for (const mount of this.mounts) {
      if (path === mount.prefix || path.startsWith(`${mount.prefix}/`)) {
        this.notify(req, res, mount.prefix);
        await mount.handler(req, res, {});
        return true;
      }
    }
    let pathMatched: string | null = null;
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      pathMatched = route.path;
      if (route.method !== req.method && !(route.method === 'GET' && req.method === 'HEAD')) continue;
      let params: Record<string, string>;
      try {
        params = Object.fromEntries(route.keys.map((key, i) => [key, decodeURIComponent(match[i + 1] ?? '')]));
      } catch {
        this.notify(req, res, route.path);
        sendText(res, 400, 'malformed path\n');
        return true;
      }
      this.notify(req, res, route.path);
      await route.handler(req, res, params);
      return true;
    }
    this.notify(req, res, pathMatched ?? '(unmatched)');
    if (pathMatched) {
      sendText(res, 405, 'method not allowed\n');
      return true;
    }
    return false;
  }

  private notify(req: IncomingMessage, res: ServerResponse, route: string): void {
    for (const observer of this.observers) observer(req, res, route);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  markup: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(markup),
    'content-security-policy':
      "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  });
  res.end(markup);
}

/**
 * sendHtml, gzipped when the browser accepts it and the page is larger than
 * one packet (a page with a log tail shrinks about tenfold for a slow link).
 * Compression runs on libuv's thread pool, off the event loop.
 */
export async function sendPage(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  markup: string,
  {
    headers = {},
    startedAt,
  }: {
    headers?: Record<string, string>;
    /** performance.now() when the request started: adds Server-Timing. */ startedAt?: number;
  } = {},
): Promise<void> {
  const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = accepts && markup.length >= 1400 ? await gzipAsync(markup, { level: 6 }) : markup;
  const timing: Record<string, string> =
    startedAt === undefined ? {} : { 'server-timing': `app;dur=${(performance.now() - startedAt).toFixed(1)}` };
  sendHtml(res, status, body, {
    ...headers,
    ...timing,
    vary: 'accept-encoding',
    ...(typeof body === 'string' ? {} : { 'content-encoding': 'gzip' }),
  });
}
