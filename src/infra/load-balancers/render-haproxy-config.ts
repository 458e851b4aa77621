import { createHmac } from 'node:crypto';
import { SandboxError } from '../../core/errors';
import {
  defaultProxySettings,
  type BasicCredentials,
  type Route,
  type RouteTarget,
} from '../../core/ports/load-balancer';
import { renderErrorPage, retryAfterSeconds } from './error-pages';
import { checkProxy, checkRouteSlug, managedMarker, nginxTime } from './render-nginx-fragment';
import { sha512Crypt } from './sha512-crypt';
import { botEndpoint, requestLogMarker } from './sleep-routing';
import { uptimeProbeAgent } from '../../core/sleep/sleep-policy';

/**
 * HAProxy configuration for sandboxes. HAProxy cannot include a frontend from
 * several files, so the bot owns one frontend file that picks the backend by
 * name from the Host header (`<prefix>host-<domain>`; an unknown name falls
 * to a 404 backend), and each instance's fragment declares one backend per
 * domain. Every value is validated before it is written into the text, so no
 * caller-supplied text can add a keyword. Every section sets `mode http` and
 * its timeouts itself: the operator's `defaults` may say otherwise.
 */

const domainPattern = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const ipv4Pattern = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv6Pattern = /^[0-9a-f:.]{2,45}$/;

export interface HaproxyFrontendInput {
  namePrefix: string;
  /** Plain HTTP: a port (80) or address:port (127.0.0.1:8080, [::1]:8080). */
  listen: number | string;
  /** HTTPS with the wildcard certificate: where to bind and the PEM (certificate + key) path on the HAProxy host. */
  tls: { listen: number | string; pemPath: string; redirectHttp?: boolean } | null;
  /** Sleep and wake: one UDP syslog line per request to the bot (`sbx-request <slug> <client address>`, uptime probes left out); null: no log. */
  requestLog?: RouteTarget | null;
}

export interface HaproxyFragmentInput {
  route: Route;
  namePrefix: string;
  /** Raw HTTP response file for 502/503/504 from a proxied route (see `renderHaproxyErrorFile`). */
  errorFile: string;
  /** Link the holding page offers (the instance's status page); omitted when null. */
  statusUrl: string | null;
  /** Sleep and wake: a sleeping route's backends proxy to the bot's web server at `upstream`; proxied ones name their slug for the request log. */
  sleep?: { upstream: RouteTarget } | null;
}

/** The frontend all sandbox domains arrive at, with the forwarded headers apps rely on. */
export function renderHaproxyFrontend(input: HaproxyFrontendInput): string {
  const p = checkPrefix(input.namePrefix);
  const binds = [`    bind ${checkBind(input.listen)}`];
  if (input.tls) binds.push(`    bind ${checkBind(input.tls.listen)} ssl crt ${checkPath(input.tls.pemPath)}`);
  return [
    `${managedMarker}: the frontend of every sandbox domain; rewritten from sandbox.yml, do not edit.`,
    `frontend ${p}sandboxes`,
    '    mode http',
    ...binds,
    '    timeout client 300s',
    // A half-closed tunnel would keep an old worker alive after a reload for the whole tunnel timeout.
    '    timeout client-fin 30s',
    '    timeout http-request 10s',
    ...redirectLines(input.tls),
    ...frontendLogLines(input.requestLog ?? null),
    `    use_backend ${p}host-%[req.hdr(host),field(1,:),lower]`,
    `    default_backend ${p}no-sandbox`,
    '',
    `backend ${p}no-sandbox`,
    '    mode http',
    '    http-request return status 404 content-type text/plain string "no sandbox answers at this address"',
    '',
  ].join('\n');
}

/**
 * One instance: a backend per domain that proxies to the active appserver
 * (basic auth checked here and the Authorization header dropped, so PR code
 * never sees the credentials), or answers the 503 holding page when there
 * is no active appserver (without credentials: it shows nothing of the sandbox).
 */
export function renderHaproxyFragment(input: HaproxyFragmentInput): string {
  const slug = checkRouteSlug(input.route.slug);
  const p = checkPrefix(input.namePrefix);
  const domains = checkDomains(slug, input.route.domains);
  const { target, access } = input.route;
  const proxy = checkProxy(slug, input.route.proxy ?? defaultProxySettings);
  const lines = [`${managedMarker} for instance ${slug}; rewritten on every activation, do not edit.`];
  const users = `${p}users-${slug}`;
  const sleep = input.sleep ?? null;
  if (input.route.sleeping) {
    if (!sleep)
      throw new SandboxError(
        'config_invalid',
        `load balancer route for ${slug}: the sandbox sleeps but the haproxy load balancer has no load_balancer.sleep endpoints`,
      );
    for (const domain of domains) lines.push(`backend ${p}host-${domain}`, ...sleepingBackend(sleep.upstream));
    return lines.join('\n');
  }
  if (target && access)
    lines.push(`userlist ${users}`, `    user ${checkUser(slug, access.user)} password '${hashFor(slug, access)}'`, '');
  for (const domain of domains) {
    lines.push(`backend ${p}host-${domain}`, '    mode http');
    if (!target) {
      const page = renderErrorPage('holding', slug, input.statusUrl);
      lines.push(
        `    http-request return status 503 content-type "text/html; charset=utf-8" hdr Retry-After ${retryAfterSeconds} hdr Cache-Control no-store string "${page}"`,
        '',
      );
      continue;
    }
    // Read by the frontend's log line (sleep and wake): this request reached the sandbox's appserver.
    if (sleep) lines.push(`    http-request set-var(txn.sbx_slug) str(${slug})`);
    if (access)
      lines.push(
        `    http-request auth realm ${slug} unless { http_auth(${users}) }`,
        '    http-request del-header Authorization',
      );
    const errorFile = checkPath(input.errorFile);
    // Forwarded headers per backend (not in the shared frontend): each recipe says whether its appserver gets them.
    if (proxy.forwardedHeaders) lines.push(...forwardedLines);
    lines.push(
      `    http-request deny deny_status 413 if { req.hdr_val(content-length) gt ${proxy.maxBodyBytes} }`,
      `    timeout connect ${nginxTime(proxy.connectTimeoutMs)}`,
      `    timeout server ${nginxTime(proxy.readTimeoutMs)}`,
      '    timeout tunnel 1h',
      '    timeout server-fin 30s',
      '    retries 1',
      `    errorfile 502 ${errorFile}`,
      `    errorfile 503 ${errorFile}`,
      `    errorfile 504 ${errorFile}`,
      `    server appserver ${checkTarget(slug, target)}`,
      '',
    );
  }
  return lines.join('\n');
}

/** Plain HTTP answers 308 to the same URL over HTTPS (the TLS port named unless it is 443). */
function redirectLines(tls: HaproxyFrontendInput['tls']): string[] {
  if (!tls?.redirectHttp) return [];
  const port = Number(/(\d+)$/.exec(String(tls.listen))?.[1]);
  const suffix = port === 443 ? '' : `:${port}`;
  return [
    `    http-request redirect location https://%[req.hdr(host),field(1,:),lower]${suffix}%[url] code 308 unless { ssl_fc }`,
  ];
}

/** One syslog line per request that reached an appserver, never for the bot's uptime probes. */
function frontendLogLines(requestLog: RouteTarget | null): string[] {
  if (!requestLog) return [];
  return [
    `    log ${botEndpoint('request log address', requestLog)} local0`,
    `    log-format "${requestLogMarker} %[var(txn.sbx_slug)] %ci"`,
    `    http-request set-log-level silent if { req.hdr(user-agent) -m str ${uptimeProbeAgent} }`,
  ];
}

/** The sandbox sleeps: the bot's web server answers (the waking page; it checks credentials itself), Host kept. */
function sleepingBackend(upstream: RouteTarget): string[] {
  return [
    '    mode http',
    ...forwardedLines,
    '    timeout connect 5s',
    '    timeout server 30s',
    `    server bot ${botEndpoint('bot address', upstream)}`,
    '',
  ];
}

const forwardedLines = [
  '    option forwardfor',
  '    http-request set-header X-Forwarded-Proto https if { ssl_fc }',
  '    http-request set-header X-Forwarded-Proto http unless { ssl_fc }',
  '    http-request set-header X-Forwarded-Host %[req.hdr(host)]',
  '    http-request set-header X-Real-IP %[src]',
];

/**
 * The raw response HAProxy sends when the appserver refuses, resets or times
 * out (its own 502/503/504): a 502 page linking to the status page, or, while
 * the sandbox is switching, the 503 switching page with Retry-After.
 */
export function renderHaproxyErrorFile(slug: string, statusUrl: string | null, switching = false): string {
  const body = `${renderErrorPage(switching ? 'switching' : 'down', checkRouteSlug(slug), statusUrl)}\n`;
  const head = [
    switching ? 'HTTP/1.1 503 Service Unavailable' : 'HTTP/1.1 502 Bad Gateway',
    'content-type: text/html; charset=utf-8',
    'cache-control: no-store',
    ...(switching ? [`retry-after: ${retryAfterSeconds}`] : []),
    'connection: close',
    `content-length: ${Buffer.byteLength(body)}`,
  ];
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * A SHA-512-crypt hash with a salt derived from the password and the slug:
 * the same credentials give the same fragment (no reload when nothing
 * changed), different sandboxes get different salts.
 */
function hashFor(slug: string, access: BasicCredentials): string {
  const salt = createHmac('sha256', access.password)
    .update(`${slug}:${access.user}`)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16);
  return sha512Crypt(access.password, salt, 1000);
}

function checkUser(slug: string, user: string): string {
  if (!/^[A-Za-z0-9._@+-]{1,64}$/.test(user)) {
    throw new SandboxError(
      'usage',
      `load balancer route for ${slug}: the basic auth user for HAProxy may hold only letters, digits and . _ @ + -`,
    );
  }
  return user;
}

function checkPrefix(prefix: string): string {
  if (!/^[a-z0-9_-]*$/.test(prefix))
    throw new SandboxError(
      'config_invalid',
      `haproxy load balancer: name_prefix "${prefix.slice(0, 40)}" may hold only a-z, 0-9, "_" and "-"`,
    );
  return prefix;
}

function checkPath(path: string): string {
  if (!/^\/[A-Za-z0-9_./-]+$/.test(path))
    throw new SandboxError(
      'config_invalid',
      `haproxy load balancer: paths must be absolute and hold only letters, digits, "_", ".", "/" and "-", got "${path.slice(0, 80)}"`,
    );
  return path;
}

function checkDomains(slug: string, domains: readonly string[]): string[] {
  if (domains.length === 0)
    throw new SandboxError(
      'usage',
      `load balancer route for ${slug}: no domains given; an instance has at least its own domain`,
    );
  for (const domain of domains) {
    if (!domainPattern.test(domain))
      throw new SandboxError(
        'usage',
        `load balancer route for ${slug}: invalid domain "${domain.slice(0, 80)}"; use lowercase letters, digits, hyphens and dots only`,
      );
  }
  return [...new Set(domains)];
}

/** HAProxy's bind syntax: `:80` for every IPv4 address, `address:port`; IPv6 without brackets (the last colon starts the port). */
function checkBind(listen: number | string): string {
  const text = String(listen);
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(text);
  const host = match?.[1];
  const port = Number(match?.[2]);
  const v6 = host?.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : null;
  const hostOk = host === undefined || ipv4Pattern.test(host) || (v6 !== null && ipv6Pattern.test(v6));
  if (!match || !hostOk || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new SandboxError(
      'config_invalid',
      `haproxy load balancer: invalid listen "${text.slice(0, 80)}"; give a port (80) or address:port (127.0.0.1:8080)`,
    );
  }
  return host === undefined ? `:${port}` : `${v6 ?? host}:${port}`;
}

function checkTarget(slug: string, target: RouteTarget): string {
  const address = target.address.toLowerCase();
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65_535)
    throw new SandboxError('usage', `load balancer route for ${slug}: invalid appserver port ${String(target.port)}`);
  if (ipv4Pattern.test(address) || domainPattern.test(address)) return `${address}:${target.port}`;
  if (address.includes(':') && ipv6Pattern.test(address)) return `${address}:${target.port}`;
  throw new SandboxError(
    'usage',
    `load balancer route for ${slug}: invalid appserver address "${address.slice(0, 80)}"; check the host's address in sandbox.yml`,
  );
}
