import { SandboxError } from '../../core/errors';

/**
 * The pages every load balancer answers with instead of a bare proxy error
 * (SPEC §9): 502 when the active appserver does not answer, 503 with
 * `Retry-After` while a sandbox has no appserver to serve yet (first deploy,
 * switching, waking). The HTML uses single-quoted attributes and holds no
 * `"`, `\` or `$`, so nginx and HAProxy can carry it in a quoted string
 * unchanged; the slug is a checked slug and the URL is made safe here.
 */
export type ErrorPageKind = 'down' | 'holding';

/** Seconds a browser (or client) is told to wait before trying a holding page again. */
export const retryAfterSeconds = 30;

export function renderErrorPage(kind: ErrorPageKind, slug: string, statusUrl: string | null): string {
  const link = statusUrl === null ? '' : ` <a href='${safeStatusUrl(slug, statusUrl)}'>See its status page.</a>`;
  const [title, text] =
    kind === 'down'
      ? ['not answering', `The sandbox's appserver is not answering right now.${link}`]
      : [
          'no active appserver',
          `This sandbox has no active appserver yet: it is being deployed, switched or woken. This page reloads in ${retryAfterSeconds} seconds.${link}`,
        ];
  const refresh = kind === 'holding' ? `<meta http-equiv='refresh' content='${retryAfterSeconds}'>` : '';
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
