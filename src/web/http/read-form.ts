import type { IncomingMessage } from 'node:http';

export const maxFormBytes = 16 * 1024;

export class FormError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** Reads an `application/x-www-form-urlencoded` body of at most 16 KiB. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new FormError(415, 'expected a form (application/x-www-form-urlencoded)');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxFormBytes) throw new FormError(413, `form too large (more than ${maxFormBytes} bytes)`);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxFormBytes) throw new FormError(413, `form too large (more than ${maxFormBytes} bytes)`);
    parts.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(parts).toString('utf8'));
}
