import { request, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createRequestsInFlight } from '../../src/infra/http/requests-in-flight';
import { readBody } from '../../src/infra/http/read-body';
import { Router, sendText } from '../../src/infra/http/router';
import { createLogger } from '../../src/infra/logger';
import { createWebServer, listen } from '../../src/web/server';
import { waitFor } from '../support/wait-for';

/** A route that reads its body, then answers only when the test says so. */
function slowRoute() {
  const events: string[] = [];
  let answer = (): void => undefined;
  const router = new Router().post('/commands', async (req, res) => {
    events.push('started');
    await readBody(req, 1024);
    events.push('read');
    await new Promise<void>((resolve) => (answer = resolve));
    sendText(res, 200, 'ok\n');
  });
  router.get('/page', async (_req, res) => sendText(res, 200, 'page\n'));
  return { router, events, answer: () => answer() };
}

function send(port: number, method: string, path: string, body?: { first: string; rest: string }) {
  const length = body ? Buffer.byteLength(body.first + body.rest) : 0;
  let status = 0;
  const req = request({ host: '127.0.0.1', port, method, path, headers: { 'content-length': length } });
  const answered = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => resolve(status));
    });
    req.on('error', reject);
  });
  if (body) req.write(body.first);
  return { finish: () => req.end(body?.rest), answered };
}

describe('the web server counts the requests people wait on', () => {
  let server: Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = null;
  });

  async function start(before: Parameters<typeof createWebServer>[0]['before'] = []) {
    const requests = createRequestsInFlight();
    const route = slowRoute();
    server = createWebServer({
      router: route.router,
      logger: createLogger({ level: 'silent', format: 'json' }),
      before,
      requests,
    });
    const port = await listen(server, '127.0.0.1', 0);
    return { requests, route, port };
  }

  it('counts a posted command from its whole body to its answer, not while the body trickles in', async () => {
    const { requests, route, port } = await start();
    const post = send(port, 'POST', '/commands', { first: 'text=st', rest: 'atus' });
    await waitFor(() => route.events.includes('started'), { intervalMs: 5, what: 'the route to start' });
    expect(requests.count()).toBe(0);
    post.finish();
    await waitFor(() => route.events.includes('read'), { intervalMs: 5, what: 'the body to be read' });
    expect(requests.count()).toBe(1);
    route.answer();
    expect(await post.answered).toBe(200);
    await waitFor(() => requests.count() === 0, { intervalMs: 5, what: 'the count to drop' });
  });

  it('does not count pages, posts answered without reading them, or sandbox traffic', async () => {
    let sandboxRequests = 0;
    const { requests, port } = await start([
      async (req, res) => {
        if (req.headers.host !== 'app.sandbox.test') return false;
        sandboxRequests += 1;
        await readBody(req, 1024);
        expect(requests.count()).toBe(0);
        sendText(res, 200, 'sandbox\n');
        return true;
      },
    ]);
    const page = send(port, 'GET', '/page');
    page.finish();
    expect(await page.answered).toBe(200);
    const unknown = send(port, 'POST', '/nowhere', { first: 'a=', rest: 'b' });
    unknown.finish();
    expect(await unknown.answered).toBe(404);
    const sandbox = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/',
      headers: { host: 'app.sandbox.test', 'content-length': 3 },
    });
    const sandboxAnswered = new Promise<number>((resolve) =>
      sandbox.on('response', (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0))),
    );
    sandbox.end('a=b');
    expect(await sandboxAnswered).toBe(200);
    expect(sandboxRequests).toBe(1);
    expect(requests.count()).toBe(0);
  });
});
