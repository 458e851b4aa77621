import { SandboxError } from '../../core/errors';

/**
 * The pages every load balancer answers with instead of a bare proxy error
 * (SPEC §9): 502 when the active appserver does not answer, 503 with
 * `Retry-After` while a sandbox has no appserver to serve yet (first deploy,
 * switching, waking). The HTML uses single-quoted attributes and holds no
 * `"`, `\` or `$`, so nginx and HAProxy can carry it in a quoted string
 * unchanged; the slug is a checked slug and the URL is made safe here.
 */
export type ErrorPageKind = 'down' | 'holding' | 'switching' | 'waking';

/** Seconds a browser (or client) is told to wait before trying a holding page again. */
export const retryAfterSeconds = 30;

/** Seconds before the "waking up" page reloads: a sleeping sandbox's start phase takes seconds, not minutes. */
export const wakingRetrySeconds = 3;

export function renderErrorPage(kind: ErrorPageKind, slug: string, statusUrl: string | null): string {
  const link = statusUrl === null ? '' : ` <a href='${safeStatusUrl(slug, statusUrl)}'>See its status page.</a>`;
  const [title, text] =
    kind === 'down'
      ? ['not answering', `The sandbox's appserver is not answering right now.${link}`]
      : kind === 'waking'
        ? [
            'waking up',
            `This sandbox was asleep after a while without visitors and is waking up now. This page reloads in ${wakingRetrySeconds} seconds and shows the sandbox once it answers.${link}`,
          ]
        : kind === 'switching'
          ? [
              'switching',
              `This sandbox is switching to a new appserver, which is not answering yet. This page reloads in ${retryAfterSeconds} seconds.${link}`,
            ]
          : [
              'no active appserver',
              `This sandbox has no active appserver yet: it is being deployed, switched or woken. This page reloads in ${retryAfterSeconds} seconds.${link}`,
            ];
  const seconds = kind === 'waking' ? wakingRetrySeconds : kind === 'down' ? null : retryAfterSeconds;
  const refresh = seconds === null ? '' : `<meta http-equiv='refresh' content='${seconds}'>`;
  return (
    `<!doctype html><html><head><meta charset='utf-8'>${refresh}<title>${slug}: ${title}</title></head>` +
    `<body><h1>${slug}</h1><p>${text}</p></body></html>`
  );
}

/**
 * An absolute http(s) URL, percent-encoded down to characters that mean
 * nothing to nginx or HAProxy inside a quoted string (no `"`, `\`, `$`)
 * nor to HTML inside an attribute; `&` becomes `&amp;`.
 */
export function safeStatusUrl(slug: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SandboxError('usage', `load balancer route for ${slug}: invalid status page URL "${raw.slice(0, 80)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SandboxError(
      'usage',
      `load balancer route for ${slug}: status page URL must be http(s), got "${raw.slice(0, 80)}"`,
    );
  }
  const encoded = url.href.replace(/[^A-Za-z0-9\-._~:/?#[\]@!+,=%&]/g, (char) =>
    [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  return encoded.replaceAll('&', '&amp;');
}

/**
 * The whole 503 answer for a sandbox that is switching or waking (status,
 * headers with Retry-After and no caching, HTML linking to the status page),
 * for a load balancer that writes its answers itself (the builtin proxy).
 */
export function holdingResponse(
  kind: Exclude<ErrorPageKind, 'down'>,
  slug: string,
  statusUrl: string | null,
): { status: 503; headers: Record<string, string>; body: string } {
  return {
    status: 503,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'retry-after': String(kind === 'waking' ? wakingRetrySeconds : retryAfterSeconds),
      'cache-control': 'no-store',
    },
    body: renderErrorPage(kind, slug, statusUrl),
  };
}
