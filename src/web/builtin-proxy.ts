import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import type { Store } from '../core/ports/store';
import { html, page } from './html';
import { sendHtml, sendText } from './router';

interface Target {
  slug: string;
  address: string | null;
  port: number | null;
  state: string;
}

const cacheMs = 1_000;

/**
 * The `builtin` load balancer: requests whose Host is `<something>.<base_domain>`
 * go to the active appserver of the instance owning that domain (streaming,
 * WebSocket upgrades too). No active appserver: a small preliminary page.
 * Unknown sandbox hosts: 404. Routes come from the database, cached for a
 * second (a switch between two running appservers may take that long to
 * show), so every web replica routes alike.
 */
export function createBuiltinProxy({ store, baseDomain, publicUrl }: { store: Store; baseDomain: string; publicUrl: string }) {
  const cache = new Map<string, { at: number; target: Target | null }>();
  const suffix = `.${baseDomain}`;

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
      const appserver = instance.activeAppserverId === null ? null : await store.getAppserver(instance.activeAppserverId);
      const host = appserver?.hostId ? await store.getHost(appserver.hostId) : null;
      target = { slug: instance.slug, address: host?.address ?? null, port: appserver?.port ?? null, state: appserver?.state ?? 'no active appserver' };
    }
    // A sandbox waiting for its first activation is not cached: it answers the moment it is activated.
    if (!target || target.address !== null) cache.set(domain, { at: Date.now(), target });
    return target;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const domain = sandboxHost(req);
    if (!domain) return false;
    const target = await lookup(domain);
    if (!target) {
      sendText(res, 404, `no sandbox answers at ${domain}\n`);
      return true;
    }
    if (target.address === null || target.port === null) {
      const statusUrl = `${publicUrl}/sandboxes/${target.slug}`;
      res.setHeader('retry-after', '30');
      sendHtml(res, 503, page(target.slug, html`<p>The sandbox <strong>${target.slug}</strong> has no active appserver yet (${target.state}).</p><p><a href="${statusUrl}">See its status and deploy log</a>.</p>`));
      return true;
    }
    const upstream = request(
      { host: target.address, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-host': req.headers.host, 'x-forwarded-proto': 'http', 'x-forwarded-for': req.socket.remoteAddress ?? '' } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) sendText(res, 502, `the sandbox ${target.slug} did not answer (${(error as NodeJS.ErrnoException).code ?? error.message})\n`);
      else res.destroy();
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
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\n');
      return true;
    }
    const upstream = connect(target.port, target.address, () => {
      const headers = Object.entries(req.headers).flatMap(([name, value]) => (Array.isArray(value) ? value.map((v) => `${name}: ${v}`) : [`${name}: ${value}`]));
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    return true;
  }

  return { handle, upgrade };
}
