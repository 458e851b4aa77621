import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, readBody } from './read-body';

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
  if (type !== 'application/x-www-form-urlencoded')
    throw new FormError(415, 'expected a form (application/x-www-form-urlencoded)');
  try {
    return new URLSearchParams((await readBody(req, maxFormBytes)).toString('utf8'));
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      throw new FormError(413, `form too large (more than ${maxFormBytes} bytes)`);
    throw error;
  }
}
