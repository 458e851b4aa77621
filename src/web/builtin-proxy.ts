import { createHash, timingSafeEqual } from 'node:crypto';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  holdingResponse,
  renderErrorPage,
  retryAfterSeconds,
  wakingRetrySeconds,
} from '../infra/load-balancers/error-pages';
import { connect } from 'node:net';
import type { AppserverConfig } from '../core/model';
import { defaultProxySettings, switchingWindowMs } from '../core/ports/load-balancer';
import type { CoreLogger, ProxySettings } from '../core/ports/other-ports';
import { uptimeProbeAgent } from '../core/sleep/sleep-policy';
import { requestWake } from '../core/sleep/wake-sandbox';
import type { Store } from '../core/ports/store';
import type { HitCounter } from '../infra/activity/hit-counter';
import { html, page } from '../infra/http/html';
import { sendHtml, sendText } from '../infra/http/router';

interface Target {
  instanceId: number;
  slug: string;
  /** Its appserver was stopped for lack of requests: a request wakes it. */
  sleeping: boolean;
  address: string | null;
  port: number | null;
  state: string;
  /** When its active appserver was activated: for `switchingWindowMs` after, failures answer the 503 switching page. */
  activatedAt: Date | null;
  /** `user:password` every proxied request must carry (`access: basic_auth`); null: public. */
  credentials: string | null;
  /** The active appserver's frozen recipe settings: forwarded headers, largest body, timeouts. */
  proxy: ProxySettings;
}

const cacheMs = 1_000;
/** A sleeping sandbox's wake is asked for at most this often per process (the job coalesces the rest). */
const wakeAgainMs = 5_000;

/**
 * The `builtin` load balancer: requests whose Host is `<something>.<base_domain>`
 * go to the active appserver of the instance owning that domain (streaming,
 * WebSocket upgrades too). No active appserver: a small preliminary page.
 * Unknown sandbox hosts: 404. Routes come from the database, cached for a
 * second (a switch between two running appservers may take that long to
 * show), so every web replica routes alike.
 *
 * Each sandbox's last request time is kept in memory and written for all
 * sandboxes in one statement every `activityFlushMs` (for `sleep_after`);
 * the bot's own uptime probes do not count. A sleeping sandbox answers a
 * "waking up" page (503, Retry-After, reloading itself) and its wake is
 * queued; once its start phase answers, requests reach it again.
 */
export function createBuiltinProxy({
  store,
  baseDomain,
  publicUrl,
  logger = console,
  now = () => new Date(),
  activityFlushMs = 5_000,
  httpsPort = () => null,
  hits = null,
  passUnknown = false,
}: {
  store: Store;
  baseDomain: string;
  publicUrl: string;
  /** Where a failed flush of request times is told (default: the console). */
  logger?: CoreLogger;
  now?: () => Date;
  activityFlushMs?: number;
  /** With load_balancer.tls.redirect_http: the HTTPS port plain HTTP requests are redirected to; null: no redirect. */
  httpsPort?: () => number | null;
  /** Counts hits and visitors per sandbox for the activity report (in memory, flushed in batches). */
  hits?: HitCounter | null;
  /**
   * Behind nginx/HAProxy (sleep and wake): only hosts of a known sandbox are
   * answered here (the ones the load balancer sends while they sleep); any
   * other request goes on to the bot's own routes.
   */
  passUnknown?: boolean;
}) {
  const cache = new Map<string, { at: number; target: Target | null }>();
  const suffix = `.${baseDomain}`;
  const lastRequest = new Map<number, number>();
  const wakeAskedAt = new Map<number, number>();

  const noteRequest = (req: IncomingMessage, target: Target) => {
    if (req.headers['user-agent'] === uptimeProbeAgent) return;
    lastRequest.set(target.instanceId, now().getTime());
    hits?.note(target.instanceId, req.socket.remoteAddress);
  };

  /** Writes the last request times gathered since the previous flush; kept for the next one if the database fails. */
  async function flushActivity(): Promise<void> {
    if (lastRequest.size === 0) return;
    const batch = [...lastRequest].map(([instanceId, ms]) => ({ instanceId, at: new Date(ms) }));
    lastRequest.clear();
    try {
      await store.recordRequests(batch);
    } catch (error) {
      for (const { instanceId, at } of batch)
        if (!lastRequest.has(instanceId)) lastRequest.set(instanceId, at.getTime());
      logger.warn({ err: error, sandboxes: batch.length }, 'recording sandbox request times failed; retrying');
    }
  }
  let flushing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    flushing = flushing.then(flushActivity);
  }, activityFlushMs);
  timer.unref();

  /** Queues the wake of a sleeping sandbox (at most every few seconds from this process). */
  async function wake(target: Target): Promise<void> {
    const asked = wakeAskedAt.get(target.instanceId);
    if (asked !== undefined && Date.now() - asked < wakeAgainMs) return;
    wakeAskedAt.set(target.instanceId, Date.now());
    await requestWake(store, target.instanceId);
    logger.info({ instanceId: target.instanceId, slug: target.slug }, 'waking a sleeping sandbox on request');
  }

  const sandboxHost = (req: IncomingMessage): string | null => {
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
    return host.endsWith(suffix) && host.length > suffix.length ? host : null;
  };

  async function lookup(domain: string): Promise<Target | null> {
    const hit = cache.get(domain);
    if (hit && Date.now() - hit.at < cacheMs) return hit.target;
    const instance = await store.findInstanceByDomain(domain);
    let target: Target | null = null;
    if (instance && !instance.archivedAt) {
      const appserver =
        instance.activeAppserverId === null ? null : await store.getAppserver(instance.activeAppserverId);
      const host = appserver?.hostId ? await store.getHost(appserver.hostId) : null;
      const credentials =
        instance.accessUser && instance.accessPassword ? `${instance.accessUser}:${instance.accessPassword}` : null;
      // Appservers created before recipes froze proxy settings get the defaults.
      const proxy = (appserver?.config as Partial<AppserverConfig> | undefined)?.proxy ?? defaultProxySettings;
      target = {
        instanceId: instance.id,
        slug: instance.slug,
        sleeping: Boolean(instance.sleepingSince) && appserver !== null,
        address: host?.address ?? null,
        port: appserver?.port ?? null,
        state: appserver?.state ?? 'no active appserver',
        activatedAt: appserver?.activatedAt ?? null,
        credentials,
        proxy,
      };
    }
    // A sandbox waiting for its first activation or its wake is not cached: it answers the moment it can.
    if (!target || (target.address !== null && !target.sleeping)) cache.set(domain, { at: Date.now(), target });
    return target;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const domain = sandboxHost(req);
    if (!domain) return false;
    const securePort = schemeOf(req) === 'http' ? httpsPort() : null;
    if (securePort !== null) {
      res.setHeader('location', `https://${domain}${securePort === 443 ? '' : `:${securePort}`}${req.url ?? '/'}`);
      sendText(res, 308, 'this sandbox is served over HTTPS\n');
      return true;
    }
    const target = await lookup(domain);
    if (!target && passUnknown) return false;
    if (!target) {
      sendText(res, 404, `no sandbox answers at ${domain}\n`);
      return true;
    }
    if (target.address === null || target.port === null) {
      const statusUrl = `${publicUrl}/sandboxes/${target.slug}`;
      res.setHeader('retry-after', String(retryAfterSeconds));
      res.setHeader('cache-control', 'no-store');
      sendHtml(
        res,
        503,
        page(
          target.slug,
          html`<p>The sandbox <strong>${target.slug}</strong> has no active appserver yet (${target.state}).</p><p><a href="${statusUrl}">See its status and deploy log</a>.</p>`,
        ),
      );
      return true;
    }
    if (!authorized(req, target)) {
      res.setHeader('www-authenticate', `Basic realm="${target.slug}", charset="UTF-8"`);
      sendText(
        res,
        401,
        `the sandbox ${target.slug} needs a user and password; signed-in people find them on its status page: ${publicUrl}/sandboxes/${target.slug}\n`,
      );
      return true;
    }
    noteRequest(req, target);
    if (target.sleeping) {
      await wake(target);
      res.setHeader('retry-after', String(wakingRetrySeconds));
      res.setHeader('cache-control', 'no-store');
      sendHtml(res, 503, renderErrorPage('waking', target.slug, `${publicUrl}/sandboxes/${target.slug}`));
      return true;
    }
    const { proxy } = target;
    const tooLarge = () => {
      res.setHeader('connection', 'close');
      sendText(
        res,
        413,
        `request body too large for the sandbox ${target.slug}: at most ${proxy.maxBodyBytes} bytes\n`,
      );
    };
    if (Number(req.headers['content-length'] ?? 0) > proxy.maxBodyBytes) {
      tooLarge();
      return true;
    }
    const forwarded = proxy.forwardedHeaders
      ? {
          'x-forwarded-host': req.headers.host,
          'x-forwarded-proto': schemeOf(req),
          'x-forwarded-for': req.socket.remoteAddress ?? '',
        }
      : {};
    const upstream = request(
      {
        host: target.address,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...upstreamHeaders(req, target), ...forwarded },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    let refused = false;
    const timeout = (what: string) => Object.assign(new Error(`${what} timed out`), { code: 'ETIMEDOUT' });
    const connectTimer = setTimeout(
      () => upstream.destroy(timeout('connecting to the appserver')),
      proxy.connectTimeoutMs,
    );
    upstream.on('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer);
      else socket.once('connect', () => clearTimeout(connectTimer));
    });
    upstream.on('close', () => clearTimeout(connectTimer));
    // Silence from the appserver (no answer, or a pause between two reads) for read_timeout ends the request.
    upstream.setTimeout(proxy.readTimeoutMs, () => upstream.destroy(timeout('the appserver’s answer')));
    upstream.on('error', (error) => {
      if (refused) return;
      if (res.headersSent) return res.destroy();
      // Never a bare proxy error: a page that says what happened and where to look.
      res.setHeader('x-sandbox-proxy-error', (error as NodeJS.ErrnoException).code ?? 'error');
      const statusUrl = `${publicUrl}/sandboxes/${target.slug}`;
      if (switching(target)) {
        const answer = holdingResponse('switching', target.slug, statusUrl);
        for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
        return sendHtml(res, answer.status, answer.body);
      }
      res.setHeader('cache-control', 'no-store');
      sendHtml(res, 502, renderErrorPage('down', target.slug, statusUrl));
    });
    // A body without a Content-Length (chunked) is counted as it passes.
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (refused || received <= proxy.maxBodyBytes) return;
      refused = true;
      req.unpipe(upstream);
      upstream.destroy();
      if (res.headersSent) res.destroy();
      else tooLarge();
    });
    req.pipe(upstream);
    return true;
  }

  /** WebSocket and other upgrades: a raw TCP splice to the appserver. */
  async function upgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<boolean> {
    const domain = sandboxHost(req);
    if (!domain) return false;
    const target = await lookup(domain);
    if (!target?.address || !target.port) {
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nretry-after: ${retryAfterSeconds}\r\nconnection: close\r\n\r\n`);
      return true;
    }
    if (!authorized(req, target)) {
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Basic realm="${target.slug}", charset="UTF-8"\r\nconnection: close\r\n\r\n`,
      );
      return true;
    }
    noteRequest(req, target);
    if (target.sleeping) {
      await wake(target);
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nretry-after: ${wakingRetrySeconds}\r\nconnection: close\r\n\r\n`);
      return true;
    }
    const upstream = connect(target.port, target.address, () => {
      const headers = Object.entries(upstreamHeaders(req, target)).flatMap(([name, value]) =>
        Array.isArray(value) ? value.map((v) => `${name}: ${v}`) : [`${name}: ${value}`],
      );
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    return true;
  }

  /** Stops the flush timer and writes what is left (the bot's shutdown). */
  async function close(): Promise<void> {
    clearInterval(timer);
    await flushing;
    await flushActivity();
    await hits?.close();
  }

  /** Within `switchingWindowMs` of its activation (by this process's clock, like every web replica's). */
  const switching = (target: Target) =>
    target.activatedAt !== null && now().getTime() - target.activatedAt.getTime() < switchingWindowMs;

  return { handle, upgrade, flushActivity, close };
}

/** `https` when the request came in over the HTTPS listener (load_balancer.tls). */
function schemeOf(req: IncomingMessage): 'http' | 'https' {
  return (req.socket as TLSSocket).encrypted ? 'https' : 'http';
}

/** The request's headers for the appserver: the sandbox's own credentials stay at the load balancer (PR code never sees them). */
function upstreamHeaders(req: IncomingMessage, target: Pick<Target, 'credentials'>): IncomingMessage['headers'] {
  if (target.credentials === null) return req.headers;
  const { authorization: _dropped, ...rest } = req.headers;
  return rest;
}

/**
 * Whether the request may reach the appserver: always for a public sandbox;
 * otherwise its `Authorization: Basic` must decode to the sandbox's
 * `user:password`, compared in constant time (digests of equal length).
 */
export function authorized(req: Pick<IncomingMessage, 'headers'>, target: Pick<Target, 'credentials'>): boolean {
  if (target.credentials === null) return true;
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!match) return false;
  const given = createHash('sha256').update(Buffer.from(match[1]!, 'base64')).digest();
  const wanted = createHash('sha256').update(target.credentials, 'utf8').digest();
  return timingSafeEqual(given, wanted);
}
