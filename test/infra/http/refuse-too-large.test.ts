import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyTooLargeError, readBody, refuseTooLarge } from '../../../src/infra/http/read-body';

describe('a refused upload', () => {
  let server: Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = null;
  });

  it('leaves a client that sends its whole 30 MB body before reading the 413 to read it, not a reset', async () => {
    server = createServer((req, res) => {
      readBody(req, 1024 * 1024).then(
        () => res.end('accepted\n'),
        (error: unknown) => {
          if (!(error instanceof BodyTooLargeError)) throw error;
          refuseTooLarge(req, res, error.limit);
        },
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    // A plain client: it writes everything it has, and only then reads what the server said.
    const socket = connect(port, '127.0.0.1');
    socket.pause();
    const received: Buffer[] = [];
    const closed = new Promise<Error | null>((resolve) => {
      socket.on('error', resolve);
      socket.on('close', () => resolve(null));
    });
    const write = (data: string | Buffer) =>
      new Promise<void>((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
    await write('POST /upload HTTP/1.1\r\nHost: bot.test\r\nTransfer-Encoding: chunked\r\n\r\n');
    const piece = Buffer.alloc(64 * 1024, 'a');
    const chunk = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
    for (let sent = 0; sent < 30 * 1000 * 1000; sent += piece.length) await write(chunk);
    await write('0\r\n\r\n');
    socket.on('data', (data: Buffer) => received.push(data));
    socket.resume();
    socket.end();
    expect(await closed).toBeNull();
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 413 /);
  });
});
