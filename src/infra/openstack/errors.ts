/**
 * Typed OpenStack failures: what the HTTP status means for the caller
 * (re-authenticate, give up with a clear reason, reuse, retry later), never
 * decided by message text outside this file.
 */
export type OpenStackErrorKind =
  | 'unauthorized'
  | 'forbidden'
  /** 403 (or 413) naming a quota: the project is out of instances, cores or RAM. */
  | 'quota'
  | 'not_found'
  | 'conflict'
  | 'bad_request'
  | 'server_error'
  | 'timeout'
  | 'unreachable';

export class OpenStackError extends Error {
  readonly kind: OpenStackErrorKind;
  /** HTTP status; null when nothing answered. */
  readonly status: number | null;

  constructor(kind: OpenStackErrorKind, status: number | null, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpenStackError';
    this.kind = kind;
    this.status = status;
  }
}

export const isOpenStackError = (error: unknown, kind?: OpenStackErrorKind): error is OpenStackError =>
  error instanceof OpenStackError && (kind === undefined || error.kind === kind);

/**
 * The human part of an error body. Nova wraps it in one key (`{"forbidden":
 * {"message"}}`), Neutron in `NeutronError`, Keystone in `error`, Glance
 * answers HTML or text.
 */
export function errorMessageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    for (const value of Object.values(parsed)) {
      if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string')
        return (value as { message: string }).message;
    }
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: the text itself, without markup
  }
  return body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** The error for a non-2xx answer of `what` (e.g. `POST compute /servers`). */
export function errorForStatus(status: number, body: string, what: string): OpenStackError {
  const detail = errorMessageOf(body) || `HTTP ${status}`;
  const message = `${what}: ${detail} (HTTP ${status})`;
  if (status === 401) return new OpenStackError('unauthorized', status, message);
  if ((status === 403 || status === 413) && /quota/i.test(detail)) return new OpenStackError('quota', status, message);
  if (status === 403) return new OpenStackError('forbidden', status, message);
  if (status === 404) return new OpenStackError('not_found', status, message);
  if (status === 409) return new OpenStackError('conflict', status, message);
  if (status >= 500) return new OpenStackError('server_error', status, message);
  return new OpenStackError('bad_request', status, message);
}
