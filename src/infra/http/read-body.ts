import type { IncomingMessage, ServerResponse } from 'node:http';

/** GitHub's maximum webhook payload (25 MB): no route of the bot reads a larger body. */
export const maxRequestBytes = 25 * 1000 * 1000;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body too large (more than ${limit} bytes)`);
  }
}

/** The body size the request declares (`Content-Length`), or null when it is chunked or absent. */
export function declaredLength(req: IncomingMessage): number | null {
  const header = req.headers['content-length'];
  if (header === undefined) return null;
  const length = Number(header);
  return Number.isFinite(length) ? length : null;
}

/**
 * Reads a request body of at most `limit` bytes. A larger `Content-Length`
 * is refused before a byte is read; a chunked body is read only up to the
 * limit, then the chunks are dropped and the request paused (answer with
 * refuseTooLarge, which discards the rest), so an oversized upload never
 * costs more than `limit` bytes of memory.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if ((declaredLength(req) ?? 0) > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    let parts: Buffer[] = [];
    let size = 0;
    const detach = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void parts.push(chunk);
      detach();
      req.pause();
      parts = [];
      reject(new BodyTooLargeError(limit));
    };
    const onEnd = () => {
      detach();
      resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
    };
    const onError = (error: Error) => {
      detach();
      reject(error);
    };
    const onClose = () => {
      detach();
      reject(new Error('the client closed the connection before sending the whole body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * How long, and how much, of the rest of a refused upload is drained before the connection is cut. Time is the
 * bound that matters (as nginx's lingering close): cut after a fixed amount instead (16 MiB), a client still sending
 * lost the 413 to the reset whenever it had not read it yet (a 30 MB upload in CI, on a busy machine). Discarding costs no
 * memory; the byte cap only bounds the CPU a fast sender gets out of the two seconds.
 */
const drainMs = 2_000;
const drainBytes = 256 * 1024 * 1024;

/** 413 for a body over `limit`; what the client still sends is discarded (see drainRefused). */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  const text = `request body too large: this endpoint accepts at most ${limit} bytes\n`;
  res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
  drainRefused(req);
}

/**
 * After refusing a body: discard what the client still sends, so it reads
 * the answer rather than a connection reset (closing a socket with unread
 * data resets it, and a client that has not read the 413 yet loses it), then
 * cut the connection after two seconds (or 256 MiB).
 */
export function drainRefused(req: IncomingMessage): void {
  if (req.complete) return;
  let drained = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, drainMs).unref();
  const onData = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > drainBytes) cut();
  };
  req.on('data', onData);
  req.once('close', () => {
    clearTimeout(timer);
    req.off('data', onData);
  });
  req.resume();
}
