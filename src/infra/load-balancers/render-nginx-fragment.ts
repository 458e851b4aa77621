import { SandboxError } from '../../core/errors';
import { checkSlug } from '../../core/naming';
import { defaultProxySettings, type Route, type RouteTarget } from '../../core/ports/load-balancer';
import type { ProxySettings } from '../../core/ports/other-ports';
import { renderErrorPage, retryAfterSeconds } from './error-pages';
import { botEndpoint, requestLogMarker } from './sleep-routing';
import { uptimeProbeAgent } from '../../core/sleep/sleep-policy';

export interface NginxFragmentInput {
  route: Route;
  /** What the server block listens on: a port (`80`) or `address:port` (`127.0.0.1:8080`, `[::1]:8080`). */
  listen: number | string;
  /** Link shown on the preliminary page (the instance's status page); omitted when null. */
  preliminaryUrl?: string | null;
  /** The htpasswd file holding `route.access` (required when the route has credentials). */
  authFile?: string | null;
  /** HTTPS too: where to listen and the wildcard certificate and key files on the nginx host. */
  tls?: {
    listen: number | string;
    certificateFile: string;
    keyFile: string;
    /** Answer plain HTTP with a 308 to the same URL over HTTPS. */
    redirectHttp?: boolean;
  } | null;
  /** Link the 502 page offers when the appserver does not answer (the status page); omitted when null. */
  statusUrl?: string | null;
  /**
   * Sleep and wake (a repository with `sleep_after`): a proxied route sends
   * one syslog line per request to `requestLog` (uptime probes left out); a
   * sleeping route proxies to the bot's web server at `upstream`. null: neither.
   */
  sleep?: { upstream: RouteTarget; requestLog: RouteTarget } | null;
}

/** First bytes of every fragment the bot writes. */
export const managedMarker = '# Managed by Sandbox Bot';

// A domain is dot-separated labels of [a-z0-9-], no hyphen at a label's ends.
const domainPattern = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const ipv4Pattern = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv6Pattern = /^[0-9a-f:.]{2,45}$/;

/**
 * The nginx `server` block for one instance: every domain proxied to the
 * active appserver (WebSocket upgrade included), or a 503 preliminary page
 * when there is none. Every value is validated first and only then written
 * into the configuration, so no caller-supplied text can add a directive.
 */
export function renderNginxFragment(input: NginxFragmentInput): string {
  const slug = checkRouteSlug(input.route.slug);
  const domains = checkDomains(slug, input.route.domains);
  const listen = checkListen(input.listen);
  const sleep = input.sleep ?? null;
  if (input.route.sleeping && !sleep)
    throw new SandboxError(
      'config_invalid',
      `load balancer route for ${slug}: the sandbox sleeps but the nginx load balancer has no load_balancer.sleep endpoints`,
    );
  const logged = sleep !== null && input.route.target !== null && !input.route.sleeping;
  const head = [
    `${managedMarker} for instance ${slug}; rewritten on every activation, do not edit.`,
    ...(logged ? requestLogDeclarations(slug) : []),
    'server {',
    `    listen ${listen};`,
    ...tlsLines(input.tls ?? null),
    `    server_name ${domains.join(' ')};`,
    ...redirectLines(input.tls ?? null),
    ...(logged ? [requestLogLine(slug, sleep.requestLog)] : []),
    '',
  ];
  const auth = input.route.access ? authLines(slug, input.authFile ?? null) : [];
  const body = input.route.sleeping
    ? sleepingBody(sleep!.upstream)
    : input.route.target
      ? [
          ...proxyBody(slug, input.route.target, auth, checkProxy(slug, input.route.proxy ?? defaultProxySettings)),
          ...(input.route.switching
            ? holdingBody(slug, input.statusUrl ?? input.preliminaryUrl ?? null)
            : downBody(slug, input.statusUrl ?? input.preliminaryUrl ?? null)),
        ]
      : preliminaryBody(slug, input.preliminaryUrl ?? null);
  return [...head, ...body, '}', ''].join('\n');
}

/** The slug when it is a valid instance slug (hence safe in a file name and in nginx text); throws SandboxError('usage') otherwise. */
export function checkRouteSlug(slug: string): string {
  const check = checkSlug(slug);
  if (!check.ok)
    throw new SandboxError('usage', `load balancer route for "${printable(slug)}": invalid slug: ${check.problem}`);
  return slug;
}

function checkDomains(slug: string, domains: readonly string[]): string[] {
  if (domains.length === 0)
    throw new SandboxError(
      'usage',
      `load balancer route for ${slug}: no domains given; an instance has at least its own domain`,
    );
  for (const domain of domains) {
    if (!domainPattern.test(domain)) {
      throw new SandboxError(
        'usage',
        `load balancer route for ${slug}: invalid domain "${printable(domain)}"; use lowercase letters, digits, hyphens and dots only`,
      );
    }
  }
  return [...new Set(domains)];
}

function checkListen(listen: number | string): string {
  const text = String(listen);
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(text);
  const host = match?.[1];
  const port = Number(match?.[2]);
  const hostOk =
    host === undefined ||
    ipv4Pattern.test(host) ||
    (host.startsWith('[') && host.endsWith(']') && ipv6Pattern.test(host.slice(1, -1)));
  if (!match || !hostOk || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new SandboxError(
      'config_invalid',
      `nginx load balancer: invalid listen "${printable(text)}"; give a port (80) or address:port (127.0.0.1:8080)`,
    );
  }
  return text;
}

function checkTarget(slug: string, target: RouteTarget): string {
  const port = target.port;
  const address = target.address.toLowerCase();
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new SandboxError('usage', `load balancer route for ${slug}: invalid appserver port ${String(port)}`);
  }
  if (ipv4Pattern.test(address) || domainPattern.test(address)) return `${address}:${port}`;
  if (address.includes(':') && ipv6Pattern.test(address)) return `[${address}]:${port}`;
  throw new SandboxError(
    'usage',
    `load balancer route for ${slug}: invalid appserver address "${printable(address)}"; check the host's address in sandbox.yml`,
  );
}

/**
 * Basic auth in front of the appserver. The credentials stop at nginx: the
 * Authorization header is not passed on, so PR code never sees them. (The
 * preliminary page answers without them: its `return` runs before nginx's
 * access phase, and it shows nothing of the sandbox.)
 */
function authLines(slug: string, authFile: string | null): string[] {
  if (authFile === null || !/^[A-Za-z0-9_./-]+$/.test(authFile)) {
    throw new SandboxError(
      'usage',
      `load balancer route for ${slug}: basic auth needs an htpasswd path of letters, digits, "_", ".", "/" and "-", got "${printable(authFile ?? '')}"`,
    );
  }
  return [
    `        auth_basic "${slug}";`,
    `        auth_basic_user_file ${authFile};`,
    '        proxy_set_header Authorization "";',
  ];
}

/** HTTPS on the same server block: `$scheme` (hence X-Forwarded-Proto) is `https` there. */
function tlsLines(tls: NginxFragmentInput['tls']): string[] {
  if (!tls) return [];
  for (const path of [tls.certificateFile, tls.keyFile]) {
    if (!/^\/[A-Za-z0-9_./-]+$/.test(path))
      throw new SandboxError(
        'config_invalid',
        `nginx load balancer: certificate paths must be absolute and plain, got "${printable(path)}"`,
      );
  }
  return [
    `    listen ${checkListen(tls.listen)} ssl;`,
    `    ssl_certificate ${tls.certificateFile};`,
    `    ssl_certificate_key ${tls.keyFile};`,
  ];
}

/**
 * nginx's own 502/504 (the appserver refused, reset or timed out) become a
 * page linking to the status page; the app's own error responses pass
 * through untouched (proxy_intercept_errors stays off).
 */
function downBody(slug: string, statusUrl: string | null): string[] {
  return [
    '',
    '    error_page 502 504 =502 @sbx_down;',
    '    location @sbx_down {',
    '        default_type "text/html; charset=utf-8";',
    '        add_header Cache-Control "no-store" always;',
    `        return 502 "${renderErrorPage('down', slug, statusUrl)}\\n";`,
    '    }',
  ];
}

/**
 * While the sandbox is being switched, nginx's own 502/504 become the 503
 * holding page with Retry-After: the new appserver is expected to answer soon.
 */
function holdingBody(slug: string, statusUrl: string | null): string[] {
  return [
    '',
    '    error_page 502 504 =503 @sbx_holding;',
    '    location @sbx_holding {',
    '        default_type "text/html; charset=utf-8";',
    '        add_header Cache-Control "no-store" always;',
    `        add_header Retry-After "${retryAfterSeconds}" always;`,
    `        return 503 "${renderErrorPage('switching', slug, statusUrl)}\\n";`,
    '    }',
  ];
}

/**
 * Per fragment (names carry the slug, so fragments never clash): a log
 * format that is the slug and the client address, and a flag that leaves the bot's uptime
 * probes out of the log.
 */
function requestLogDeclarations(slug: string): string[] {
  const name = slug.replaceAll('-', '_');
  return [
    `log_format sbx_requests_${name} '${requestLogMarker} ${slug} $remote_addr';`,
    `map $http_user_agent $sbx_counted_${name} {`,
    `    "${uptimeProbeAgent}" 0;`,
    '    default 1;',
    '}',
  ];
}

/** Each proxied request, one UDP syslog line to the bot (`sleep_after`, the activity report); nginx never waits on it. */
function requestLogLine(slug: string, requestLog: RouteTarget): string {
  const name = slug.replaceAll('-', '_');
  const server = botEndpoint('request log address', requestLog);
  return `    access_log syslog:server=${server},tag=sbx,nohostname sbx_requests_${name} if=$sbx_counted_${name};`;
}

/**
 * The sandbox sleeps: the bot's web server answers with the Host kept (the
 * waking page, and the wake queued). Credentials pass through to the bot,
 * which checks them itself before waking anything.
 */
function sleepingBody(upstream: RouteTarget): string[] {
  return [
    '    # The sandbox sleeps: the bot answers (a "waking up" page) and wakes it.',
    '    location / {',
    `        proxy_pass http://${botEndpoint('bot address', upstream)};`,
    '        proxy_http_version 1.1;',
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        proxy_set_header Connection "";',
    '        proxy_connect_timeout 5s;',
    '        proxy_read_timeout 30s;',
    '    }',
  ];
}

/** Plain HTTP on a TLS server block answers 308 to the HTTPS URL (the TLS port named unless it is 443). */
function redirectLines(tls: NginxFragmentInput['tls']): string[] {
  if (!tls?.redirectHttp) return [];
  const port = Number(/(\d+)$/.exec(String(tls.listen))?.[1]);
  const suffix = port === 443 ? '' : `:${port}`;
  return ['    if ($scheme = "http") {', `        return 308 https://$host${suffix}$request_uri;`, '    }'];
}

function proxyBody(slug: string, target: RouteTarget, auth: string[], proxy: ProxySettings): string[] {
  const forwarded = proxy.forwardedHeaders
    ? [
        '        proxy_set_header X-Real-IP $remote_addr;',
        '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
        '        proxy_set_header X-Forwarded-Proto $scheme;',
        '        proxy_set_header X-Forwarded-Host $host;',
      ]
    : [];
  return [
    '    # WebSocket: ask the upstream to upgrade only when the client asked to.',
    '    set $sbx_connection "close";',
    '    if ($http_upgrade != "") {',
    '        set $sbx_connection "upgrade";',
    '    }',
    '',
    `    client_max_body_size ${nginxSize(proxy.maxBodyBytes)};`,
    '',
    '    location / {',
    ...auth,
    `        proxy_pass http://${checkTarget(slug, target)};`,
    '        proxy_http_version 1.1;',
    '        proxy_set_header Host $host;',
    ...forwarded,
    '        proxy_set_header Upgrade $http_upgrade;',
    '        proxy_set_header Connection $sbx_connection;',
    `        proxy_connect_timeout ${nginxTime(proxy.connectTimeoutMs)};`,
    `        proxy_send_timeout ${nginxTime(proxy.readTimeoutMs)};`,
    `        proxy_read_timeout ${nginxTime(proxy.readTimeoutMs)};`,
    '    }',
  ];
}

/** The route's proxy settings when every number is a positive whole number (so nothing else reaches the text). */
export function checkProxy(slug: string, proxy: ProxySettings): ProxySettings {
  for (const [name, value] of [
    ['maxBodyBytes', proxy.maxBodyBytes],
    ['connectTimeoutMs', proxy.connectTimeoutMs],
    ['readTimeoutMs', proxy.readTimeoutMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new SandboxError(
        'usage',
        `load balancer route for ${slug}: invalid proxy ${name} ${String(value)}; expected a positive whole number`,
      );
  }
  return { ...proxy, forwardedHeaders: proxy.forwardedHeaders !== false };
}

/** Bytes as nginx writes sizes: `100m`, `512k`, or plain bytes. */
function nginxSize(bytes: number): string {
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}m`;
  return bytes % 1024 === 0 ? `${bytes / 1024}k` : String(bytes);
}

/** Milliseconds as nginx (and HAProxy) write times: `300s`, or `1500ms` when not whole seconds. */
export function nginxTime(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function preliminaryBody(slug: string, url: string | null): string[] {
  // Single quotes in the HTML, so the nginx string needs no escapes.
  const link = url === null ? '' : ` <a href='${safeUrl(slug, url)}'>See its status page.</a>`;
  const html =
    `<!doctype html><html><head><meta charset='utf-8'><title>${slug}: no active appserver</title></head>` +
    `<body><h1>${slug}</h1><p>This sandbox has no active appserver yet.${link}</p></body></html>`;
  return [
    '    # No active appserver: a preliminary page answers.',
    '    location / {',
    '        default_type text/html;',
    '        add_header Cache-Control "no-store" always;',
    '        add_header Retry-After "30" always;',
    `        return 503 "${html}\\n";`,
    '    }',
  ];
}

/**
 * An absolute http(s) URL, percent-encoded down to characters that mean
 * nothing to nginx inside a quoted string (no `"`, `\`, `$`) nor to HTML
 * inside an attribute (no `<`, `>`, `"`, `'`); `&` becomes `&amp;`.
 */
function safeUrl(slug: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SandboxError('usage', `load balancer route for ${slug}: invalid status page URL "${printable(raw)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SandboxError(
      'usage',
      `load balancer route for ${slug}: status page URL must be http(s), got "${printable(raw)}"`,
    );
  }
  const encoded = url.href.replace(/[^A-Za-z0-9\-._~:/?#[\]@!+,=%&]/g, (char) =>
    [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  return encoded.replaceAll('&', '&amp;');
}

/** Caller text made safe for an error message: control characters shown escaped, long values cut. */
function printable(text: string): string {
  const shown = JSON.stringify(text).slice(1, -1);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}
