import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthProbe } from '../core/ports/other-ports';

/** One HTTP GET without keep-alive or redirects; any answer's status counts, no answer is null. */
export const httpHealthProbe: HealthProbe = (url, timeoutMs) =>
  new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs, headers: { 'user-agent': 'sandbox-bot-health' } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? null });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.on('error', (error) => resolve({ status: null, error: (error as NodeJS.ErrnoException).code ?? error.message }));
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
