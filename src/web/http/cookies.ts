import type { IncomingMessage, ServerResponse } from 'node:http';

/** The request's cookies by name (the first one wins when a name repeats). */
export function readCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    if (cookies.has(name)) continue;
    try {
      cookies.set(name, decodeURIComponent(part.slice(at + 1).trim()));
    } catch {
      // a malformed cookie value is ignored like a missing one
    }
  }
  return cookies;
}

export interface CookieOptions {
  path: string;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  secure: boolean;
}

/** Adds a Set-Cookie header: always HttpOnly and SameSite=Lax. */
export function setCookie(res: ServerResponse, name: string, value: string, options: CookieOptions): void {
  const cookie = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path}`,
    `Max-Age=${options.maxAge}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (options.secure) cookie.push('Secure');
  const previous = res.getHeader('set-cookie');
  const list = Array.isArray(previous) ? previous : typeof previous === 'string' ? [previous] : [];
  res.setHeader('set-cookie', [...list, cookie.join('; ')]);
}
