import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Appserver } from '../../src/core/model';
import { createSampleRepo } from '../support/sample-repo';
import { readEvents } from '../support/sse-client';
import { seedInstance, signIn, startStatusBot, type StatusBot } from '../support/status-bot';
import { waitFor } from '../support/wait-for';

let t: StatusBot;
let cookie: string;
let live: Appserver;
let offset = 0;

beforeAll(async () => {
  t = await startStatusBot(
    `
repositories:
  - name: acme/sample
    url: ${createSampleRepo().url}
web:
  auth:
    orgs: [acme]
`,
    { WEBHOOK_SECRET: 'whsec-planted-456' },
  );
  live = (await seedInstance(t, { slug: 'live', appservers: [{ state: 'configuring' }] })).appservers[0]!;
  cookie = await signIn(t, { login: 'alice', memberOf: ['acme'] });
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

afterEach(() => {
  expect(t.github.unexpected).toEqual([]);
});

/** Stores a chunk the way the follow job does; returns its offset (the SSE id). */
async function append(text: string): Promise<number> {
  const at = offset;
  const next = at + Buffer.byteLength(text);
  expect(await t.store.appendLog(live.id, at, text, next)).toBe(true);
  offset = next;
  return at;
}

const streamUrl = (after?: number) =>
  `${t.url}/sandboxes/live/appservers/1/log/stream${after === undefined ? '' : `?after=${after}`}`;
const logs = (events: { event: string }[]) =>
  events.filter((e) => e.event === 'log') as { id: string | null; data: string; event: string }[];

describe('the live deploy log (Server-Sent Events)', () => {
  it('streams the stored chunks with their byte offsets as ids, then the state', async () => {
    await append('step 1\nstep 2\n');
    await append('secret whsec-planted-456 stays hidden\r\n');
    await append('step 3\n');
    const { status, contentType, events } = await readEvents(streamUrl(), {
      headers: { cookie },
      until: (e) => logs(e).length >= 3,
    });
    expect(status).toBe(200);
    expect(contentType).toBe('text/event-stream; charset=utf-8');
    expect(logs(events).map((e) => [e.id, e.data])).toEqual([
      ['0', 'step 1\nstep 2\n'],
      ['14', 'secret *** stays hidden\n'],
      ['53', 'step 3\n'],
    ]);
  });

  it('resumes after Last-Event-ID on reconnect (it wins over ?after=), without duplicates', async () => {
    const { events } = await readEvents(streamUrl(-1), {
      headers: { cookie, 'last-event-id': '14' },
      until: (e) => logs(e).length >= 1,
    });
    expect(logs(events).map((e) => e.id)).toEqual(['53']);
    const fromPage = await readEvents(streamUrl(53), { headers: { cookie }, until: () => false, timeoutMs: 1_500 });
    expect(logs(fromPage.events)).toEqual([]);
  });

  it('delivers new chunks to every viewer as they are stored, exactly once each', async () => {
    const viewers = [0, 1, 2].map(() =>
      readEvents(streamUrl(53), {
        headers: { cookie },
        until: (e) => logs(e).some((l) => l.data.includes('step 6')),
        timeoutMs: 15_000,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await append('step 4\n');
    await new Promise((resolve) => setTimeout(resolve, 700));
    await append('step 5\n');
    await append('step 6\n');
    for (const viewer of await Promise.all(viewers)) {
      expect(
        logs(viewer.events)
          .map((e) => e.data)
          .join(''),
      ).toBe('step 4\nstep 5\nstep 6\n');
      expect(viewer.events.find((e) => e.event === 'state')?.data).toBe('configuring');
    }
  });

  it('ends the stream once the deploy is over, after the last chunk', async () => {
    const viewer = readEvents(streamUrl(-1), { headers: { cookie }, timeoutMs: 15_000 });
    await append('deploy phase exited with status 1\n');
    await t.store.transitionAppserver(live.id, 'configuring', 'failed', {
      failureReason: 'boom',
      finishedAt: new Date(),
    });
    const { events, ended } = await viewer;
    expect(ended).toBe(true);
    expect(
      logs(events)
        .map((e) => e.data)
        .join(''),
    ).toBe(
      'step 1\nstep 2\nsecret *** stays hidden\nstep 3\nstep 4\nstep 5\nstep 6\ndeploy phase exited with status 1\n',
    );
    expect(events.at(-1)).toMatchObject({ event: 'end' });
    expect(
      events
        .filter((e) => e.event === 'state')
        .map((e) => e.data)
        .at(-1),
    ).toBe('failed');
  });

  it('counts open streams per process, and forgets a viewer that disconnects', async () => {
    const viewers = async () =>
      Number(/^sbx_live_log_viewers (\d+)$/m.exec(await (await fetch(`${t.url}/metrics`)).text())?.[1]);
    await seedInstance(t, { slug: 'slow', appservers: [{ state: 'configuring' }] });
    const open = readEvents(`${t.url}/sandboxes/slow/appservers/1/log/stream`, {
      headers: { cookie },
      timeoutMs: 1_500,
    });
    await waitFor(async () => (await viewers()) === 1, { what: 'one open stream' });
    await open;
    await waitFor(async () => (await viewers()) === 0, { what: 'no open stream' });
    const page = await (await fetch(`${t.url}/sandboxes/live`, { headers: { cookie } })).text();
    expect(page).not.toContain('data-stream=');
  });

  it('keeps many chunks in byte order everywhere: stream, resume, log.txt and the page', async () => {
    const many = (await seedInstance(t, { slug: 'many', appservers: [{ state: 'configuring' }] })).appservers[0]!;
    const offsets: number[] = [];
    let at = 0;
    for (let i = 1; i <= 150; i += 1) {
      const text = `line ${i}\n`;
      offsets.push(at);
      await t.store.appendLog(many.id, at, text, at + text.length);
      at += text.length;
    }
    const whole = Array.from({ length: 150 }, (_, i) => `line ${i + 1}\n`).join('');
    const url = `${t.url}/sandboxes/many/appservers/1/log/stream`;
    const all = await readEvents(url, { headers: { cookie }, until: (e) => logs(e).length >= 150 });
    expect(logs(all.events).map((e) => Number(e.id))).toEqual(offsets);
    expect(
      logs(all.events)
        .map((e) => e.data)
        .join(''),
    ).toBe(whole);
    const resumed = await readEvents(url, {
      headers: { cookie, 'last-event-id': String(offsets[98]) },
      until: (e) => logs(e).length >= 51,
      timeoutMs: 5_000,
    });
    expect(
      logs(resumed.events)
        .map((e) => e.data)
        .join(''),
    ).toBe(whole.slice(whole.indexOf('line 100\n')));
    expect(await (await fetch(`${t.url}/sandboxes/many/appservers/1/log.txt`, { headers: { cookie } })).text()).toBe(
      whole,
    );
    const page = await (await fetch(`${t.url}/sandboxes/many`, { headers: { cookie } })).text();
    expect(/<pre class="log" id="log-text"[^>]*>([^<]*)<\/pre>/.exec(page)?.[1]).toBe(whole);
    expect(page).toContain(`data-stream="/sandboxes/many/appservers/1/log/stream?after=${offsets.at(-1)}"`);
  });
});
