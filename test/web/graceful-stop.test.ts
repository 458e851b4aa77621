import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebOnlyBot, type WebOnlyBot } from '../support/web-only-bot';
import { waitFor } from '../support/wait-for';

/** What a load balancer sees while a web process stops (docs/operations.md "Rolling update"). */
describe('stopping a web process', () => {
  let t: WebOnlyBot;
  beforeAll(async () => {
    t = await startWebOnlyBot('server:\n  drain: 5s\n', {});
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('fails /readyz at once, serves the drain with Connection: close, then stops listening and finishes the request in flight', async () => {
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    // A request in flight: its headers are in, half of its body is not.
    const socket = connect(t.bot.port!, '127.0.0.1');
    await once(socket, 'connect');
    const body = 'setup_code=not-the-setup-code';
    const received = once(t.bot.server!, 'request');
    socket.write(
      `POST /probot HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await received;
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const ended = once(socket, 'end');

    const stopping = t.bot.stop(2_000);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { failed: string[] }).failed).toEqual(['shutdown']);
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('connection')).toBe('close');

    await waitFor(
      () =>
        fetch(`${t.url}/healthz`).then(
          () => false,
          () => true,
        ),
      {
        timeoutMs: 20_000,
        what: 'the server to stop listening after the drain',
      },
    );
    socket.end(body.slice(10));
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer).toContain('That is not the setup code');
    await stopping;
  }, 60_000);
});
