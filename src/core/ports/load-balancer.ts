import type { ProxySettings } from './other-ports';

/** Where an instance's domains go: the active appserver, or nothing yet (a preliminary page answers). */
export interface RouteTarget {
  address: string;
  port: number;
}

/** HTTP basic-auth credentials a sandbox's load balancer asks for. */
export interface BasicCredentials {
  user: string;
  password: string;
}

export interface Route {
  slug: string;
  /** Every domain of the instance (main and extra). */
  domains: string[];
  target: RouteTarget | null;
  /**
   * Credentials every request proxied to the appserver must carry (HTTP basic
   * auth, checked by the load balancer); null: public. The preliminary page
   * (no active appserver) answers without them: it shows only the slug, the
   * deploy state and a link to the status page. Absent: public.
   */
  access?: BasicCredentials | null;
  /**
   * Forwarded headers, largest request body and timeouts, from the active
   * appserver's frozen recipe settings. Absent: `defaultProxySettings`.
   */
  proxy?: ProxySettings;
  /**
   * The sandbox is switching to `target` (for `switchingWindowMs` after an
   * activation): when the target does not answer, the load balancer answers
   * 503 with Retry-After and a link to the status page (not the 502 page).
   */
  switching?: boolean;
  /**
   * The sandbox sleeps (its appserver is stopped): nginx and HAProxy send its
   * domains to the bot's own web server, Host kept, which answers the waking
   * page and queues the wake. The builtin proxy reads this from the database.
   */
  sleeping?: boolean;
}

/** How long after an activation a sandbox counts as switching (see `Route.switching`). */
export const switchingWindowMs = 60_000;

/** What a route gets when its appserver froze no proxy settings (created before recipes declared them). */
export const defaultProxySettings: ProxySettings = {
  forwardedHeaders: true,
  maxBodyBytes: 100 * 1024 * 1024,
  connectTimeoutMs: 5_000,
  readTimeoutMs: 300_000,
};

export interface LoadBalancer {
  readonly kind: 'builtin' | 'nginx' | 'haproxy';
  /**
   * Routes the instance's domains to `target`. Validates and reloads; when
   * validation or reload fails, restores the previous state, reloads, and
   * throws SandboxError('load_balancer_failed') — the old route keeps serving.
   * Safe to run twice.
   */
  apply(route: Route): Promise<void>;
  /** Removes the instance's routes; safe when there are none. */
  remove(slug: string): Promise<void>;
  /** Slugs that currently have a route (for reconcile: dangling fragments). */
  listRoutes(): Promise<string[]>;
  /** Validates the live configuration (for `sbx doctor`). */
  check(): Promise<{ ok: boolean; detail: string }>;
}
