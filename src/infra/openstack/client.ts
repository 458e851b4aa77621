/**
 * A small typed fetch client for the OpenStack calls the bot makes (no
 * maintained Node client exists): Keystone v3 tokens (application credential
 * or password), cached until shortly before `expires_at` and fetched anew on a
 * 401; endpoints from the token's catalog by type, interface and region; one
 * request helper that turns non-2xx answers into typed `OpenStackError`s.
 */
import { OpenStackError, errorForStatus } from './errors';

export type OpenStackAuth =
  | { kind: 'application_credential'; id: string; secret: string }
  | {
      kind: 'password';
      username: string;
      password: string;
      userDomain: string;
      projectName: string;
      projectDomain: string;
    };

export type ServiceType = 'compute' | 'network' | 'image';

export interface OpenStackClientOptions {
  /** Keystone, with or without the trailing `/v3`. */
  authUrl: string;
  auth: OpenStackAuth;
  /** Region of the endpoints; null: the first endpoint of the interface. */
  region: string | null;
  interface: 'public' | 'internal' | 'admin';
  /** Per request; default 30 s. */
  requestTimeoutMs?: number;
  now?: () => number;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

export interface OpenStackClient {
  /** One call to a service of the catalog; the parsed JSON body (null for an empty one). */
  request<T>(service: ServiceType, method: string, path: string, options?: RequestOptions): Promise<T>;
  /** The project the token is scoped to (application credentials carry their own). */
  projectId(): Promise<string>;
  /** Forgets the cached token (the next call authenticates again). */
  forgetToken(): void;
}

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region_id?: string; region?: string; url: string }[];
}
interface Session {
  token: string;
  expiresAt: number;
  catalog: CatalogEntry[];
  projectId: string;
}

/** Tokens this close to expiry are renewed before use, so a long boot never runs on a token that dies midway. */
const renewBeforeMs = 5 * 60_000;

export function createOpenStackClient(options: OpenStackClientOptions): OpenStackClient {
  const authUrl = options.authUrl.replace(/\/+$/, '').replace(/(?<!\/v3)$/, '/v3');
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const now = options.now ?? Date.now;
  let session: Session | null = null;
  let pending: Promise<Session> | null = null;

  const authenticate = async (): Promise<Session> => {
    const response = await send('POST', `${authUrl}/auth/tokens`, { body: authBody(options.auth) }, timeoutMs);
    const text = await response.text();
    if (response.status !== 201 && response.status !== 200)
      throw errorForStatus(response.status, text, `authenticating at ${authUrl}`);
    const token = response.headers.get('x-subject-token');
    const parsed = JSON.parse(text) as {
      token: { expires_at: string; catalog?: CatalogEntry[]; project?: { id: string } };
    };
    if (!token || !parsed.token.project)
      throw new OpenStackError(
        'unauthorized',
        response.status,
        `authenticating at ${authUrl}: the token is not scoped to a project; check the project of compute.openstack in sandbox.yml`,
      );
    return {
      token,
      expiresAt: Date.parse(parsed.token.expires_at),
      catalog: parsed.token.catalog ?? [],
      projectId: parsed.token.project.id,
    };
  };

  const currentSession = async (): Promise<Session> => {
    if (session && session.expiresAt - renewBeforeMs > now()) return session;
    // Concurrent callers share one authentication.
    pending ??= authenticate().finally(() => {
      pending = null;
    });
    session = await pending;
    return session;
  };

  const endpoint = (current: Session, type: ServiceType): string => {
    const entry = current.catalog.find((service) => service.type === type);
    const found = entry?.endpoints.find(
      (e) =>
        e.interface === options.interface &&
        (options.region === null || e.region_id === options.region || e.region === options.region),
    );
    if (!found)
      throw new OpenStackError(
        'not_found',
        null,
        `the catalog has no ${options.interface} ${type} endpoint${options.region ? ` in region ${options.region}` : ''}; check compute.openstack.region and interface in sandbox.yml`,
      );
    return found.url.replace(/\/+$/, '');
  };

  return {
    async request<T>(service: ServiceType, method: string, path: string, request: RequestOptions = {}): Promise<T> {
      const what = `${method} ${service} ${path.split('?')[0]}`;
      for (let attempt = 1; ; attempt += 1) {
        const current = await currentSession();
        const response = await send(
          method,
          `${endpoint(current, service)}${path}`,
          { ...request, headers: { ...request.headers, 'X-Auth-Token': current.token } },
          timeoutMs,
        );
        const text = await response.text();
        // An expired or revoked token: authenticate once more, then give up.
        if (response.status === 401 && attempt === 1) {
          if (session === current) session = null;
          continue;
        }
        if (response.status < 200 || response.status >= 300) throw errorForStatus(response.status, text, what);
        return (text ? JSON.parse(text) : null) as T;
      }
    },
    async projectId() {
      return (await currentSession()).projectId;
    },
    forgetToken() {
      session = null;
    },
  };
}

function authBody(auth: OpenStackAuth): unknown {
  if (auth.kind === 'application_credential')
    // An application credential is scoped already: adding a scope is refused (401).
    return {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { id: auth.id, secret: auth.secret },
        },
      },
    };
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: auth.username, domain: { name: auth.userDomain }, password: auth.password } },
      },
      scope: { project: { name: auth.projectName, domain: { name: auth.projectDomain } } },
    },
  };
}

async function send(method: string, url: string, request: RequestOptions, timeoutMs: number): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
  if (request.body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    return await fetch(url, {
      method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    throw new OpenStackError(
      timedOut ? 'timeout' : 'unreachable',
      null,
      `${method} ${url.split('?')[0]}: ${timedOut ? `no answer within ${timeoutMs / 1000} s` : `cannot connect (${causeOf(error)})`}`,
      { cause: error },
    );
  }
}

const causeOf = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
};
