import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uptimeProbeAgent } from '../../src/core/sleep/sleep-policy';
import type { Store } from '../../src/core/ports/store';
import { httpHealthProbe } from '../../src/infra/health-probe';
import { createBuiltinProxy } from '../../src/web/builtin-proxy';
import { viaBuiltinProxy } from '../support/manual-sandbox';
import { startUpstream, type Upstream } from '../support/named-upstream';

/*
 * Issue 16: what the builtin proxy does for sleep and wake, against a fake
 * store that records what it is asked (and fails on anything else): request
 * times are gathered in memory and written in one batch; the bot's own
 * uptime probes do not count; a sleeping sandbox answers the waking page and
 * queues one wake, but only for someone allowed in.
 */

const credentials = 'team:s3cret-pass';
const sandboxes: Record<string, { id: number; sleeping: boolean; locked: boolean }> = {
  'awake.sbx.test': { id: 1, sleeping: false, locked: false },
  'asleep.sbx.test': { id: 2, sleeping: true, locked: true },
};

let upstream: Upstream;
let server: Server;
let botUrl = '';
const enqueued: { task: string; payload: unknown; options: unknown }[] = [];
const recorded: { instanceId: number; at: Date }[][] = [];
const unexpected: string[] = [];

const known = {
  async findInstanceByDomain(domain: string) {
    const sandbox = sandboxes[domain];
    if (!sandbox) return null;
    return {
      id: sandbox.id,
      slug: domain.split('.')[0],
      archivedAt: null,
      activeAppserverId: sandbox.id,
      sleepingSince: sandbox.sleeping ? new Date() : null,
      accessUser: sandbox.locked ? 'team' : null,
      accessPassword: sandbox.locked ? 's3cret-pass' : null,
    };
  },
  async getAppserver(id: number) {
    return { id, hostId: 1, port: upstream.target.port, state: 'running', config: {} };
  },
  async getHost() {
    return { address: '127.0.0.1' };
  },
  async enqueue(task: string, payload: unknown, options: unknown) {
    enqueued.push({ task, payload, options });
    return { jobId: String(enqueued.length) };
  },
  async recordRequests(batch: { instanceId: number; at: Date }[]) {
    recorded.push(batch);
  },
};
/** A fake Store: the calls above, and any other call is recorded as unexpected (and fails the test). */
const fakeStore = new Proxy(known, {
  get(target, name: string) {
    if (name in target) return target[name as keyof typeof known];
    if (name === 'then') return undefined;
    unexpected.push(name);
    return () => Promise.reject(new Error(`unexpected store call ${name}`));
  },
}) as unknown as Store;

const proxy = createBuiltinProxy({
  store: fakeStore,
  baseDomain: 'sbx.test',
  publicUrl: 'http://bot.test',
  logger: console,
  activityFlushMs: 60 * 60_000,
});

beforeAll(async () => {
  upstream = await startUpstream('app');
  server = createServer((req, res) => void proxy.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  botUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await proxy.close();
  await upstream.close();
});

afterEach(() => {
  expect(unexpected).toEqual([]);
});

describe('request activity', () => {
  it('is written in one batch per flush, without the uptime probe’s requests', async () => {
    await proxy.flushActivity();
    recorded.length = 0;
    const probe = await httpHealthProbe(`${botUrl}/healthz`, 2_000, {
      host: 'awake.sbx.test',
      headers: { 'user-agent': uptimeProbeAgent },
    });
    expect(probe.status).toBe(200);
    await proxy.flushActivity();
    expect(recorded).toEqual([]);

    const before = Date.now();
    for (let i = 0; i < 5; i += 1) expect((await viaBuiltinProxy(botUrl, 'awake.sbx.test')).status).toBe(200);
    expect(recorded).toEqual([]);
    await proxy.flushActivity();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toHaveLength(1);
    expect(recorded[0]![0]!.instanceId).toBe(1);
    expect(recorded[0]![0]!.at.getTime()).toBeGreaterThanOrEqual(before);
    await proxy.flushActivity();
    expect(recorded).toHaveLength(1);
  });
});

describe('a sleeping sandbox', () => {
  it('asks who is there before waking anything', async () => {
    enqueued.length = 0;
    const answer = await viaBuiltinProxy(botUrl, 'asleep.sbx.test');
    expect(answer.status).toBe(401);
    expect(enqueued).toEqual([]);
  });

  it('answers the waking page and queues one wake for a burst of requests', async () => {
    enqueued.length = 0;
    const headers = { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
    const first = await viaBuiltinProxy(botUrl, 'asleep.sbx.test', { headers });
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('3');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toContain('waking up');
    expect(first.body).toContain("<meta http-equiv='refresh' content='3'>");
    expect(first.body).not.toContain(`"name":"${upstream.name}"`);
    expect((await viaBuiltinProxy(botUrl, 'asleep.sbx.test', { headers })).status).toBe(503);
    expect(enqueued).toEqual([
      { task: 'wake_sandbox', payload: { instanceId: 2 }, options: { instanceId: 2, jobKey: 'wake:2' } },
    ]);
  });
});
