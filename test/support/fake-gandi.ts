import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface FakeGandiRrset {
  rrset_name: string;
  rrset_type: string;
  rrset_ttl: number;
  rrset_values: string[];
}

export interface FakeGandi {
  /** Base URL to give as `api_url` (`http://127.0.0.1:<port>/v5/livedns`). */
  url: string;
  token: string;
  /** Records per zone, keyed `name/type`. */
  zones: Map<string, Map<string, FakeGandiRrset>>;
  /** Every call, as `METHOD path`. */
  calls: string[];
  /** Answers the next calls with these statuses first (429, 500, 503…), then normally. */
  failNext(...statuses: number[]): void;
  /** Calls the fake did not understand; a test asserts this is empty. */
  unexpected: string[];
  close(): Promise<void>;
}

/**
 * A FAKE of Gandi's LiveDNS v5 API (not Gandi): the documented semantics the
 * provider relies on, on 127.0.0.1. Bearer token required (401 without, 403
 * for another token); `GET /domains/{zone}` (404 for unknown zones);
 * `GET /domains/{zone}/records/{name}` (the name's rrsets, 404 when none);
 * `PUT …/records/{name}/{type}` replaces the rrset (201); `DELETE` 204, or
 * 404 when missing; a CNAME next to other types is refused (409) as DNS
 * requires. Anything else is recorded in `unexpected` and answered 599.
 */
export async function startFakeGandi({
  token = 'pat-test-token',
  zones = ['example.com'],
}: { token?: string; zones?: string[] } = {}): Promise<FakeGandi> {
  const state = new Map(zones.map((zone) => [zone, new Map<string, FakeGandiRrset>()]));
  const calls: string[] = [];
  const unexpected: string[] = [];
  const failures: number[] = [];

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const notFound = (res: ServerResponse) =>
    send(res, 404, {
      code: 404,
      message: 'The resource could not be found.',
      object: 'dns-record',
      cause: 'Not Found',
    });

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const path = decodeURIComponent((req.url ?? '').split('?')[0]!);
    calls.push(`${req.method} ${path}`);
    if (req.headers.authorization === undefined)
      return send(res, 401, {
        code: 401,
        message: 'Missing authorization',
        object: 'HTTPUnauthorized',
        cause: 'Unauthorized',
      });
    if (req.headers.authorization !== `Bearer ${token}`)
      return send(res, 403, {
        code: 403,
        message: 'Access was denied to this resource.',
        object: 'HTTPForbidden',
        cause: 'Forbidden',
      });
    const failure = failures.shift();
    if (failure !== undefined) {
      res.setHeader('retry-after', '0');
      return send(res, failure, { code: failure, message: 'injected failure', object: 'error', cause: 'Injected' });
    }
    const match = /^\/v5\/livedns\/domains\/([^/]+)(?:\/records\/([^/]+)(?:\/([A-Z]+))?)?$/.exec(path);
    const records = match ? state.get(match[1]!) : undefined;
    if (!match) {
      unexpected.push(`${req.method} ${path}`);
      return send(res, 599, { message: 'the fake does not know this call' });
    }
    if (!records) return send(res, 404, { code: 404, message: 'Unknown domain', object: 'domain', cause: 'Not Found' });
    const [, zone, name, type] = match;
    if (name === undefined && req.method === 'GET') return send(res, 200, { fqdn: zone, automatic_snapshots: true });
    if (name !== undefined && type === undefined && req.method === 'GET') {
      const found = [...records.values()].filter((rrset) => rrset.rrset_name === name);
      return found.length === 0 ? notFound(res) : send(res, 200, found);
    }
    if (name !== undefined && type !== undefined && req.method === 'PUT') {
      const parsed = JSON.parse(body) as { rrset_values?: unknown; rrset_ttl?: unknown };
      if (
        !Array.isArray(parsed.rrset_values) ||
        parsed.rrset_values.length === 0 ||
        (parsed.rrset_ttl !== undefined && Number(parsed.rrset_ttl) < 300)
      ) {
        return send(res, 400, { code: 400, message: 'Validation error', object: 'dns-record', cause: 'Bad Request' });
      }
      const others = [...records.values()].filter((rrset) => rrset.rrset_name === name && rrset.rrset_type !== type);
      if ((type === 'CNAME' && others.length > 0) || others.some((rrset) => rrset.rrset_type === 'CNAME')) {
        return send(res, 409, {
          code: 409,
          message: 'A CNAME record cannot coexist with other records',
          object: 'dns-record',
          cause: 'Conflict',
        });
      }
      records.set(`${name}/${type}`, {
        rrset_name: name,
        rrset_type: type,
        rrset_ttl: Number(parsed.rrset_ttl ?? 10800),
        rrset_values: parsed.rrset_values.map(String),
      });
      return send(res, 201, { message: 'DNS Record Created' });
    }
    if (name !== undefined && type !== undefined && req.method === 'DELETE') {
      if (!records.delete(`${name}/${type}`)) return notFound(res);
      return send(res, 204);
    }
    unexpected.push(`${req.method} ${path}`);
    return send(res, 599, { message: 'the fake does not know this call' });
  }

  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => void handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v5/livedns`,
    token,
    zones: state,
    calls,
    unexpected,
    failNext: (...statuses) => failures.push(...statuses),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
