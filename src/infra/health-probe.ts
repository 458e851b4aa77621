import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthProbe } from '../core/ports/other-ports';

/** One HTTP request (GET unless told) without keep-alive or redirects, optionally with a Host header and more headers; any answer's status counts, no answer is null. An abort ends it at once (no answer). */
export const httpHealthProbe: HealthProbe = (url, timeoutMs, options = {}) =>
  new Promise((resolve) => {
    const headers = {
      'user-agent': 'sandbox-bot-health',
      ...options.headers,
      ...(options.host ? { host: options.host } : {}),
    };
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        agent: false,
        timeout: timeoutMs,
        headers,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? null });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.on('error', (error) =>
      resolve({ status: null, error: (error as NodeJS.ErrnoException).code ?? error.message }),
    );
    req.end();
  });

/** True when a TCP connection to address:port succeeds within half a second. */
export function tcpPortTaken(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 500 });
    const done = (taken: boolean) => {
      socket.destroy();
      resolve(taken);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
