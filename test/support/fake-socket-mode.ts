import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { waitFor } from './wait-for';

/**
 * A stand-in for Slack's Socket Mode endpoint on 127.0.0.1: a minimal
 * WebSocket server (RFC 6455 text, ping, close frames) that greets with
 * `hello`, sends envelopes, and records the client's acknowledgements.
 */
export interface FakeSocketMode {
  /** What apps.connections.open should return. */
  url: string;
  /** Acknowledgements received, by envelope id. */
  acks: Map<string, Record<string, unknown>>;
  connections(): number;
  /** Sends an envelope (`slash_commands`, `interactive`) and waits for its ack. */
  send(type: string, payload: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

const magic = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export async function startFakeSocketMode(): Promise<FakeSocketMode> {
  const sockets = new Set<Duplex>();
  const acks = new Map<string, Record<string, unknown>>();
  let envelope = 0;
  const server: Server = createServer((_req, res) => {
    res.writeHead(426);
    res.end();
  });
  server.on('upgrade', (req, socket) => {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string') return socket.destroy();
    const accept = createHash('sha1')
      .update(key + magic)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (let frame = readFrame(buffered); frame; frame = readFrame(buffered)) {
        buffered = buffered.subarray(frame.length);
        if (frame.opcode === 0x1) {
          const message = JSON.parse(frame.payload.toString('utf8')) as {
            envelope_id?: string;
            payload?: Record<string, unknown>;
          };
          if (message.envelope_id) acks.set(message.envelope_id, message.payload ?? {});
        } else if (frame.opcode === 0x9) {
          socket.write(encodeFrame(0xa, frame.payload));
        } else if (frame.opcode === 0x8) {
          socket.end(encodeFrame(0x8, frame.payload.subarray(0, 2)));
        }
      }
    });
    socket.write(
      encodeFrame(
        0x1,
        Buffer.from(
          JSON.stringify({
            type: 'hello',
            num_connections: 1,
            connection_info: { app_id: 'A0APP' },
            debug_info: { host: 'fake' },
          }),
        ),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}/link/?ticket=fake`,
    acks,
    connections: () => sockets.size,
    async send(type, payload) {
      envelope += 1;
      const id = `envelope-${envelope}`;
      const frame = encodeFrame(
        0x1,
        Buffer.from(
          JSON.stringify({ envelope_id: id, type, payload, accepts_response_payload: type !== 'events_api' }),
        ),
      );
      for (const socket of sockets) socket.write(frame);
      await waitFor(() => acks.has(id), { timeoutMs: 10_000, what: `the ack of ${id}` });
      return acks.get(id)!;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function readFrame(buffer: Buffer): { opcode: number; payload: Buffer; length: number } | null {
  if (buffer.length < 2) return null;
  const opcode = buffer[0]! & 0x0f;
  const masked = (buffer[1]! & 0x80) !== 0;
  let length = buffer[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return null;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return null;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (buffer.length < offset + length) return null;
  const payload = Buffer.from(buffer.subarray(offset, offset + length));
  if (masked) for (let i = 0; i < payload.length; i += 1) payload[i] = payload[i]! ^ buffer[maskOffset + (i % 4)]!;
  return { opcode, payload, length: offset + length };
}

function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const header =
    payload.length < 126
      ? Buffer.from([0x80 | opcode, payload.length])
      : payload.length < 65_536
        ? Buffer.alloc(4)
        : Buffer.alloc(10);
  if (payload.length >= 126 && payload.length < 65_536) {
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(payload.length, 2);
  } else if (payload.length >= 65_536) {
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  return Buffer.concat([header, payload]);
}
