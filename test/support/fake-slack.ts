import { createServer, type IncomingMessage, type Server } from 'node:http';

/** One Web API call the fake received. */
export interface FakeSlackCall {
  method: string;
  params: Record<string, unknown>;
  token: string | null;
  /** What the fake answered. */
  result?: Record<string, unknown>;
}

/** One message posted to a response_url. */
export interface FakeResponse {
  path: string;
  body: Record<string, unknown>;
}

type Handler = (params: Record<string, unknown>) => Record<string, unknown>;

export interface FakeSlack {
  /** Base URL, e.g. `http://127.0.0.1:4567/`. */
  url: string;
  /** What SLACK_API_URL should be. */
  apiUrl: string;
  calls: FakeSlackCall[];
  /** Calls to methods no test allowed: a test that leaves any fails. */
  unexpected: string[];
  responses: FakeResponse[];
  /** Members returned by usergroups.users.list, by group id. */
  groups: Record<string, string[]>;
  /** Allows a method (with the default answer, or the handler's). */
  allow(method: string, handler?: Handler): void;
  /** The next call of `method` fails with Slack's `error`. */
  failNext(method: string, error: string): void;
  callsTo(method: string): FakeSlackCall[];
  /** A fresh response_url on this fake. */
  responseUrl(): string;
  responsesTo(url: string): FakeResponse[];
  close(): Promise<void>;
}

let nextTs = 1_700_000_000;

const defaults: Record<string, Handler> = {
  'auth.test': () => ({
    ok: true,
    url: 'https://fake.slack.test/',
    team: 'Test',
    user: 'sandbox-bot',
    team_id: 'T0TEST',
    user_id: 'U0BOT',
    bot_id: 'B0BOT',
  }),
  'chat.postMessage': (params) => ({
    ok: true,
    channel: params.channel,
    ts: `${(nextTs += 1)}.000100`,
    message: { text: params.text },
  }),
  'chat.update': (params) => ({ ok: true, channel: params.channel, ts: params.ts, text: params.text }),
};

/**
 * A local stand-in for Slack's Web API (and response_urls) on 127.0.0.1:
 * records every call, answers only the methods a test allowed, and records
 * any other call as unexpected (answering `ok: false`).
 */
export async function startFakeSlack(options: { allow?: string[] } = {}): Promise<FakeSlack> {
  const handlers = new Map<string, Handler>();
  const failures = new Map<string, string>();
  const fake: Omit<FakeSlack, 'url' | 'apiUrl' | 'close'> = {
    calls: [],
    unexpected: [],
    responses: [],
    groups: {},
    allow(method, handler) {
      const chosen = handler ?? defaults[method] ?? (() => ({ ok: true }));
      handlers.set(method, chosen);
    },
    failNext(method, error) {
      failures.set(method, error);
    },
    callsTo(method) {
      return fake.calls.filter((call) => call.method === method);
    },
    responseUrl() {
      responseCount += 1;
      return `${base}respond/${responseCount}`;
    },
    responsesTo(url) {
      const path = new URL(url).pathname;
      return fake.responses.filter((response) => response.path === path);
    },
  };
  let responseCount = 0;
  defaults['usergroups.users.list'] = (params) => ({ ok: true, users: fake.groups[String(params.usergroup)] ?? [] });
  for (const method of options.allow ?? []) fake.allow(method);

  const server: Server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const reply = (body: Record<string, unknown>) => {
        const text = JSON.stringify(body);
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      if (path.startsWith('/respond/')) {
        fake.responses.push({ path, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} });
        return reply({ ok: true });
      }
      const method = path.replace(/^\/api\//, '');
      const params = parseParams(req.headers['content-type'] ?? '', raw);
      const authorization = req.headers.authorization;
      const call: FakeSlackCall = {
        method,
        params,
        token: authorization
          ? authorization.replace(/^Bearer /, '')
          : typeof params.token === 'string'
            ? params.token
            : null,
      };
      fake.calls.push(call);
      const failure = failures.get(method);
      const handler = handlers.get(method);
      if (!failure && !handler) fake.unexpected.push(method);
      failures.delete(method);
      call.result = failure
        ? { ok: false, error: failure }
        : handler
          ? handler(params)
          : { ok: false, error: 'unexpected_call_in_test' };
      reply(call.result);
    });
  });
  // Idle connections stay open for the whole test: no keep-alive race between the client reusing a socket and the server closing it.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const base = `http://127.0.0.1:${port}/`;
  return Object.assign(fake, {
    url: base,
    apiUrl: `${base}api/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** Form bodies (the Web API client's) with JSON-encoded blocks, or JSON bodies. */
function parseParams(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    params[key] = (key === 'blocks' || key === 'attachments') && value.startsWith('[') ? JSON.parse(value) : value;
  }
  return params;
}
