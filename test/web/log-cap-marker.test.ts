import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Appserver } from '../../src/core/model';
import { createSampleRepo } from '../support/sample-repo';
import { readEvents } from '../support/sse-client';
import { seedInstance, signIn, startStatusBot, type StatusBot } from '../support/status-bot';

let t: StatusBot;
let cookie: string;
let capped: Appserver;

beforeAll(async () => {
  t = await startStatusBot(`
repositories:
  - name: acme/sample
    url: ${createSampleRepo().url}
web:
  auth:
    orgs: [acme]
`);
  capped = (await seedInstance(t, { slug: 'capped', appservers: [{ state: 'configuring' }] })).appservers[0]!;
  cookie = await signIn(t, { login: 'alice', memberOf: ['acme'] });
  // Three 40-byte chunks under a 64-byte cap: the first one goes.
  let offset = 0;
  for (const name of ['one', 'two', 'six']) {
    const line = `chunk ${name} ${'.'.repeat(29)}\n`;
    expect(await t.store.appendLog(capped.id, offset, line, offset + 40, { maxBytes: 64 })).toBe(true);
    offset += 40;
  }
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe('a capped log', () => {
  it('keeps the tail and counts what it dropped', async () => {
    const chunks = await t.store.readLog(capped.id);
    expect(chunks.map((chunk) => chunk.offset)).toEqual([40, 80]);
    expect((await t.store.getAppserver(capped.id))!.logDroppedBytes).toBe(40);
  });

  it('log.txt starts with one marker line saying how much was dropped', async () => {
    const answer = await fetch(`${t.url}/sandboxes/capped/appservers/1/log.txt`, { headers: { cookie } });
    const lines = (await answer.text()).split('\n');
    expect(lines[0]).toBe(
      '[sandbox: the first 40 bytes of this log were dropped (it was over the stored log cap); the newest output follows]',
    );
    expect(lines[1]).toMatch(/^chunk two/);
    expect(lines.filter((line) => line.startsWith('[sandbox:'))).toHaveLength(1);
  });

  it('the live log sends the marker first, without an id', async () => {
    const { events } = await readEvents(`${t.url}/sandboxes/capped/appservers/1/log/stream`, {
      headers: { cookie },
      until: (e) => e.filter((x) => x.event === 'log').length >= 3,
    });
    const logs = events.filter((e) => e.event === 'log') as { id: string | null; data: string }[];
    expect(logs[0]!.data).toContain('of this log were dropped');
    expect(logs[0]!.id).toBeNull();
    expect(logs[1]!.id).toBe('40');
  });
});
